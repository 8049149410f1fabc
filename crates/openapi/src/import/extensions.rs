//! The root `x-amazon-apigateway-*` extensions: validators, gateway responses, policy, ...

use super::*;

impl<'a> Importer<'a> {
    // ----- root extensions -----

    pub(super) fn root_extensions(&mut self) {
        let root = self.root;
        let rp = JPath::root();
        // Validators first: methods refer to them by name.
        if let Some(v) = root.get(VALIDATORS) {
            self.request_validators(v, &rp.key(VALIDATORS));
        }
        for (key, v) in root {
            let p = rp.key(key);
            match key.as_str() {
                VALIDATORS => {}
                VALIDATOR => {
                    if let Some(name) = self.str_or_err(v, &p) {
                        self.default_validator = self.validator_id(name, &p);
                    }
                }
                "x-amazon-apigateway-binary-media-types" => {
                    let types = self.string_list(v, &p);
                    self.definition.rest_api.binary_media_types = types;
                }
                "x-amazon-apigateway-api-key-source" => {
                    if let Some(s) = self.str_or_err(v, &p) {
                        match s.to_ascii_uppercase().as_str() {
                            "HEADER" => self.definition.rest_api.api_key_source = ApiKeySource::Header,
                            "AUTHORIZER" => {
                                self.definition.rest_api.api_key_source = ApiKeySource::Authorizer
                            }
                            _ => self.d.error(
                                &p,
                                format!("Invalid API key source '{s}': expected HEADER or AUTHORIZER"),
                            ),
                        }
                    }
                }
                "x-amazon-apigateway-minimum-compression-size" => {
                    match v.as_u64().filter(|n| *n <= 10_485_760) {
                        Some(n) => {
                            self.definition.rest_api.minimum_compression_size =
                                u32::try_from(n).ok();
                            self.d.not_enforced(&p, NotEnforced::MinimumCompressionSize);
                        }
                        None => self.d.error(
                            &p,
                            format!(
                                "Invalid minimum compression size '{}': expected an integer between 0 and 10485760",
                                value_text(v)
                            ),
                        ),
                    }
                }
                "x-amazon-apigateway-gateway-responses" => self.gateway_responses(v, &p),
                "x-amazon-apigateway-policy" => self.policy(v, &p),
                ENDPOINT_CONFIGURATION => self.endpoint_configuration(v, &p),
                crate::documentation::DOCUMENTATION => {
                    let parts = crate::documentation::read_parts(v, &p, &mut self.d);
                    self.definition.documentation_parts = parts;
                }
                "x-amazon-apigateway-cors" => self.d.warn(
                    &p,
                    "x-amazon-apigateway-cors applies to HTTP APIs only and REST APIs ignore it: answer CORS with OPTIONS methods (for example MOCK integrations) and response headers instead",
                ),
                "x-amazon-apigateway-importexport-version" => {}
                k if k.starts_with(EXTENSION_PREFIX) => self.unsupported_extension(&rp, k),
                _ => {}
            }
        }
        if self.flavor == Flavor::Oas3
            && let Some(servers) = root.get("servers").and_then(Value::as_array)
        {
            for (i, server) in servers.iter().enumerate() {
                if let Some(v) = server.get(ENDPOINT_CONFIGURATION) {
                    let p = rp.key("servers").index(i).key(ENDPOINT_CONFIGURATION);
                    self.endpoint_configuration(v, &p);
                }
            }
        }
    }

    pub(super) fn str_or_err(&mut self, v: &'a Value, p: &JPath) -> Option<&'a str> {
        match v {
            Value::String(s) => Some(s),
            other => {
                self.d
                    .error(p, format!("Expected a string, found {}", kind(other)));
                None
            }
        }
    }

    pub(super) fn request_validators(&mut self, v: &'a Value, p: &JPath) {
        let Some(m) = self.obj(v, p) else {
            return;
        };
        for (name, spec) in m {
            let vp = p.key(name);
            let Some(spec) = self.obj(spec, &vp) else {
                continue;
            };
            let body = self
                .bool_field(spec, "validateRequestBody", &vp)
                .unwrap_or(false);
            let params = self
                .bool_field(spec, "validateRequestParameters", &vp)
                .unwrap_or(false);
            let id = tollgate_model::ids::short_id();
            self.validators.insert(name.clone(), id.clone());
            self.definition.request_validators.push(RequestValidator {
                id,
                name: Some(name.clone()),
                validate_request_body: body,
                validate_request_parameters: params,
            });
        }
    }

    pub(super) fn validator_id(&mut self, name: &str, p: &JPath) -> Option<String> {
        match self.validators.get(name) {
            Some(id) => Some(id.clone()),
            None => {
                self.d.error(
                    p,
                    format!(
                        "Unknown request validator '{name}': it is not defined in {VALIDATORS}"
                    ),
                );
                None
            }
        }
    }

    pub(super) fn gateway_responses(&mut self, v: &'a Value, p: &JPath) {
        let Some(m) = self.obj(v, p) else {
            return;
        };
        for (type_name, spec) in m {
            let gp = p.key(type_name);
            let Ok(response_type) = type_name.parse::<GatewayResponseType>() else {
                let valid: Vec<&str> = GatewayResponseType::ALL
                    .iter()
                    .map(|t| t.as_str())
                    .collect();
                self.d.error(
                    &gp,
                    format!(
                        "Invalid gateway response type '{type_name}': expected one of {}",
                        valid.join(", ")
                    ),
                );
                continue;
            };
            if !response_type.customizable() {
                self.d.warn(
                    &gp,
                    format!("The gateway response {type_name} cannot be customised; ignored"),
                );
                continue;
            }
            let Some(spec) = self.obj(spec, &gp) else {
                continue;
            };
            let status_code = self.text_field(spec, "statusCode", &gp);
            if let Some(code) = &status_code
                && !is_status_code(code)
            {
                self.d.error(
                    &gp.key("statusCode"),
                    format!(
                        "Invalid status code '{code}': expected an HTTP status code from 100 to 599"
                    ),
                );
            }
            let owner = format!("gateway response '{type_name}'");
            let response_parameters = match spec.get("responseParameters") {
                Some(v) => self.mappings(
                    v,
                    &gp.key("responseParameters"),
                    "responseParameters",
                    &owner,
                ),
                None => BTreeMap::new(),
            };
            // Gateway response templates only substitute $context/$stageVariables/$method
            // references, which the gateway does, so they are not "VTL" here.
            let response_templates = match spec.get("responseTemplates") {
                Some(Value::Object(t)) => {
                    let mut out = BTreeMap::new();
                    for (ct, text) in t {
                        match text {
                            Value::String(s) => {
                                out.insert(ct.clone(), s.clone());
                            }
                            Value::Null => {
                                out.insert(ct.clone(), String::new());
                            }
                            other => self.d.error(
                                &gp.key("responseTemplates").key(ct),
                                format!("Expected a template (a string), found {}", kind(other)),
                            ),
                        }
                    }
                    out
                }
                Some(other) => {
                    self.obj(other, &gp.key("responseTemplates"));
                    BTreeMap::new()
                }
                None => BTreeMap::new(),
            };
            self.definition.gateway_responses.push(GatewayResponse {
                response_type,
                status_code,
                response_parameters,
                response_templates,
                default_response: false,
            });
        }
    }

    pub(super) fn policy(&mut self, v: &'a Value, p: &JPath) {
        let mut policy = match v {
            Value::Object(_) => v.clone(),
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(parsed @ Value::Object(_)) => parsed,
                _ => {
                    self.d
                        .error(p, "Invalid policy: expected a policy document (an object)");
                    return;
                }
            },
            other => {
                self.d.error(
                    p,
                    format!(
                        "Invalid policy: expected a policy document (an object), found {}",
                        kind(other)
                    ),
                );
                return;
            }
        };
        // AWS expands `execute-api:/...` to the API's ARN.
        let arn = format!(
            "arn:{AWS_PARTITION}:execute-api:{AWS_REGION}:{AWS_ACCOUNT_ID}:{}/",
            self.definition.rest_api.id
        );
        let expand = |s: &mut String| {
            if let Some(rest) = s.strip_prefix("execute-api:/") {
                *s = format!("{arn}{rest}");
            }
        };
        if let Some(statements) = policy.get_mut("Statement") {
            let statements: Vec<&mut Value> = match statements {
                Value::Array(items) => items.iter_mut().collect(),
                single => vec![single],
            };
            for st in statements {
                for key in ["Resource", "NotResource"] {
                    match st.get_mut(key) {
                        Some(Value::String(s)) => expand(s),
                        Some(Value::Array(items)) => {
                            for item in items {
                                if let Value::String(s) = item {
                                    expand(s);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        // Refuse what the gateway could not enforce, as AWS refuses it on import.
        if let Err(e) = tollgate_policy::PolicyDocument::from_value(&policy, Default::default()) {
            self.d.error(
                p,
                format!(
                    "Invalid policy document. Please check the policy syntax and ensure that Principals are valid. ({e})"
                ),
            );
            return;
        }
        self.definition.rest_api.policy = Some(policy.to_string());
    }

    pub(super) fn endpoint_configuration(&mut self, v: &'a Value, p: &JPath) {
        let Some(m) = self.obj(v, p) else {
            return;
        };
        if let Some(ids) = m.get("vpcEndpointIds") {
            let ids = self.string_list(ids, &p.key("vpcEndpointIds"));
            self.definition
                .rest_api
                .endpoint_configuration
                .vpc_endpoint_ids = ids;
        }
        if let Some(disable) = self.bool_field(m, "disableExecuteApiEndpoint", p) {
            self.definition.rest_api.disable_execute_api_endpoint = disable;
        }
    }
}
