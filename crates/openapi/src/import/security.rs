//! Security schemes, authorizers and the methods' `security` requirements.

use super::*;

impl<'a> Importer<'a> {
    // ----- security -----

    pub(super) fn security_schemes(&mut self) {
        let (container, p) = match self.flavor {
            Flavor::Swagger2 => (
                self.root.get("securityDefinitions"),
                JPath::root().key("securityDefinitions"),
            ),
            Flavor::Oas3 => (
                self.root
                    .get("components")
                    .and_then(|c| c.get("securitySchemes")),
                JPath::root().key("components").key("securitySchemes"),
            ),
        };
        let Some(container) = container else {
            return;
        };
        let Some(m) = self.obj(container, &p) else {
            return;
        };
        for (name, scheme) in m {
            let sp = p.key(name);
            let Some((scheme, sp)) = self.resolve(scheme, &sp) else {
                continue;
            };
            let Some(scheme) = self.obj(scheme, &sp) else {
                continue;
            };
            let meaning = self.scheme(name, scheme, &sp);
            self.schemes.insert(name.clone(), meaning);
        }
    }

    pub(super) fn scheme(&mut self, name: &str, s: &'a Map<String, Value>, p: &JPath) -> Scheme {
        let scheme_type = self.str_field(s, "type", p).unwrap_or("");
        let auth_type = self.str_field(s, AUTHTYPE, p);
        let header_name = (self.str_field(s, "in", p) == Some("header"))
            .then(|| self.str_field(s, "name", p))
            .flatten();
        if let Some(auth) = s.get(AUTHORIZER) {
            let ap = p.key(AUTHORIZER);
            return match self.authorizer(name, auth, &ap, auth_type, header_name) {
                Some(a) => {
                    let cognito = a.kind == "COGNITO_USER_POOLS";
                    let id = a.id.clone();
                    self.definition.authorizers.push(a);
                    Scheme::Authorizer { id, cognito }
                }
                None => Scheme::Ignored,
            };
        }
        if auth_type.is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4")) {
            return Scheme::Iam;
        }
        if scheme_type == "apiKey"
            && header_name.is_some_and(|n| n.eq_ignore_ascii_case("x-api-key"))
        {
            return Scheme::ApiKey;
        }
        let what = if scheme_type == "apiKey" {
            "an API key scheme other than the x-api-key header".to_owned()
        } else if scheme_type.is_empty() {
            "a scheme without a type".to_owned()
        } else {
            format!("type {scheme_type}")
        };
        self.d.warn(
            p,
            format!(
                "Security scheme '{name}' ({what}) is not supported by API Gateway and is ignored: only the x-api-key header, x-amazon-apigateway-authtype: awsSigv4 and x-amazon-apigateway-authorizer are"
            ),
        );
        Scheme::Ignored
    }

    pub(super) fn authorizer(
        &mut self,
        name: &str,
        v: &'a Value,
        p: &JPath,
        auth_type: Option<&str>,
        header_name: Option<&str>,
    ) -> Option<Authorizer> {
        let a = self.obj(v, p)?;
        let kind = match self.str_field(a, "type", p) {
            Some(t) => match t.to_ascii_uppercase().as_str() {
                k @ ("TOKEN" | "REQUEST" | "COGNITO_USER_POOLS") => k.to_owned(),
                _ => {
                    self.d.error(
                        &p.key("type"),
                        format!(
                            "Invalid authorizer type '{t}': expected one of token, request, cognito_user_pools"
                        ),
                    );
                    return None;
                }
            },
            None => {
                if a.get("type").is_none() {
                    self.d.error(
                        &p.key("type"),
                        "Missing authorizer type: expected one of token, request, cognito_user_pools",
                    );
                }
                return None;
            }
        };
        let cognito = kind == "COGNITO_USER_POOLS";
        let authorizer_uri = self.str_field(a, "authorizerUri", p).map(str::to_owned);
        if !cognito && authorizer_uri.is_none() {
            self.d.error(
                &p.key("authorizerUri"),
                format!("Missing authorizerUri: a {kind} authorizer needs the Lambda function's invocation URI"),
            );
        }
        let provider_arns = match a.get("providerARNs") {
            Some(v) => self.string_list(v, &p.key("providerARNs")),
            None => Vec::new(),
        };
        if cognito && provider_arns.is_empty() {
            self.d.error(
                &p.key("providerARNs"),
                "Missing providerARNs: a COGNITO_USER_POOLS authorizer needs at least one user pool ARN",
            );
        }
        let identity_source = self
            .str_field(a, "identitySource", p)
            .map(str::to_owned)
            .or_else(|| {
                (kind != "REQUEST")
                    .then(|| header_name.map(|h| format!("method.request.header.{h}")))
                    .flatten()
            });
        if kind == "TOKEN" && identity_source.is_none() {
            self.d.error(
                &p.key("identitySource"),
                "Missing identitySource: a TOKEN authorizer needs a header (set the scheme's 'name' with 'in: header', or identitySource)",
            );
        }
        let ttl = match self.int_field(a, "authorizerResultTtlInSeconds", p) {
            Ok(Some(n)) if (0..=3600).contains(&n) => u32::try_from(n).ok(),
            Ok(Some(n)) => {
                self.d.error(
                    &p.key("authorizerResultTtlInSeconds"),
                    format!("Invalid authorizerResultTtlInSeconds {n}: expected 0 to 3600"),
                );
                None
            }
            Ok(None) => (!cognito).then_some(300),
            Err(()) => None,
        };
        Some(Authorizer {
            id: tollgate_model::ids::short_id(),
            name: name.to_owned(),
            kind,
            provider_arns,
            auth_type: auth_type.map(str::to_owned),
            authorizer_uri,
            authorizer_credentials: self
                .str_field(a, "authorizerCredentials", p)
                .map(str::to_owned),
            identity_source,
            identity_validation_expression: self
                .str_field(a, "identityValidationExpression", p)
                .map(str::to_owned),
            authorizer_result_ttl_in_seconds: ttl,
        })
    }

    pub(super) fn method_security(&mut self, method: &mut Method, v: &'a Value, p: &JPath) {
        let Some(requirements) = self.arr(v, p) else {
            return;
        };
        for (i, requirement) in requirements.iter().enumerate() {
            let rp = p.index(i);
            let Some(requirement) = self.obj(requirement, &rp) else {
                continue;
            };
            for (name, scopes) in requirement {
                let np = rp.key(name);
                let scopes = self.string_list(scopes, &np);
                let Some(scheme) = self.schemes.get(name).cloned() else {
                    self.d.error(
                        &np,
                        format!(
                            "Unknown security scheme '{name}': it is not defined in {}",
                            self.flavor.schemes_location()
                        ),
                    );
                    continue;
                };
                match scheme {
                    Scheme::ApiKey => {
                        method.api_key_required = true;
                    }
                    Scheme::Iam => {
                        if method.authorization_type == AuthorizationType::None {
                            method.authorization_type = AuthorizationType::AwsIam;
                        } else if method.authorization_type != AuthorizationType::AwsIam {
                            self.one_authorization(&np, name);
                        }
                    }
                    Scheme::Authorizer { id, cognito } => {
                        if method.authorization_type != AuthorizationType::None {
                            if method.authorizer_id.as_deref() != Some(id.as_str()) {
                                self.one_authorization(&np, name);
                            }
                            continue;
                        }
                        method.authorization_type = if cognito {
                            AuthorizationType::CognitoUserPools
                        } else {
                            AuthorizationType::Custom
                        };
                        method.authorizer_id = Some(id);
                        if cognito {
                            method.authorization_scopes = scopes;
                        } else if !scopes.is_empty() {
                            self.d.warn(
                                &np,
                                "Authorization scopes apply to COGNITO_USER_POOLS authorizers only; ignored",
                            );
                        }
                    }
                    Scheme::Ignored => {}
                }
            }
        }
    }

    pub(super) fn one_authorization(&mut self, p: &JPath, name: &str) {
        self.d.warn(
            p,
            format!("A method has one authorization type and authorizer; security scheme '{name}' is ignored"),
        );
    }
}
