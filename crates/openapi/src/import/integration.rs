//! `x-amazon-apigateway-integration`: integrations and their responses.

use super::*;

impl<'a> Importer<'a> {
    // ----- integrations -----

    pub(super) fn integration(
        &mut self,
        v: &'a Value,
        p: &JPath,
        verb: HttpMethod,
        resource_path: &str,
        method: &Method,
    ) -> Option<Integration> {
        let m = match v {
            Value::Object(m) => m,
            other => {
                self.d.error(
                    p,
                    format!("Expected an integration object, found {}", kind(other)),
                );
                return None;
            }
        };
        let errors_before = self.d.errors.len();
        let tp = p.key("type");
        let kind = match m.get("type") {
            None | Some(Value::Null) => {
                self.d.error(
                    &tp,
                    format!("Missing integration type: expected one of {INTEGRATION_TYPES}"),
                );
                None
            }
            Some(Value::String(t)) => match IntegrationType::parse(t) {
                Some(k) => Some(k),
                None => {
                    self.d.error(
                        &tp,
                        format!(
                            "Invalid integration type '{t}': expected one of {INTEGRATION_TYPES} (any case)"
                        ),
                    );
                    None
                }
            },
            Some(other) => {
                self.d.error(
                    &tp,
                    format!(
                        "Invalid integration type {}: expected one of {INTEGRATION_TYPES}",
                        value_text(other)
                    ),
                );
                None
            }
        };
        let mut integration = Integration::new(kind.unwrap_or(IntegrationType::Mock));
        let is_http = matches!(
            kind,
            Some(IntegrationType::Http | IntegrationType::HttpProxy)
        );
        let is_aws = matches!(kind, Some(IntegrationType::Aws | IntegrationType::AwsProxy));
        // uri
        let uri = self.str_field(m, "uri", p);
        let lambda_uri = uri.is_some_and(|u| {
            u.contains(":lambda:path/2015-03-31/functions/") && u.ends_with("/invocations")
        });
        if is_aws && !lambda_uri {
            self.d
                .not_enforced(&tp, NotEnforced::AwsServiceIntegrations);
        }
        match uri {
            Some(u) if is_http && !valid_http_uri(u) => self.d.error(
                &p.key("uri"),
                format!("Invalid HTTP endpoint specified for URI: '{u}'"),
            ),
            Some(u) if is_aws && !u.starts_with("arn:") => self.d.error(
                &p.key("uri"),
                format!("Invalid ARN specified in the request: '{u}' (an AWS integration's uri is arn:aws:apigateway:{{region}}:{{service}}:{{path|action}}/...)"),
            ),
            None if kind.is_some_and(|k| k != IntegrationType::Mock) => self.d.error(
                &p.key("uri"),
                format!(
                    "Missing integration uri: required for type {}",
                    kind.map(IntegrationType::as_str).unwrap_or_default()
                ),
            ),
            _ => {}
        }
        integration.uri = uri.map(str::to_owned);
        // httpMethod (the verb sent to the backend)
        match self.str_field(m, "httpMethod", p) {
            Some(h) => match h.parse::<HttpMethod>() {
                Ok(verb) => integration.http_method = Some(verb.as_str().to_owned()),
                Err(e) => self
                    .d
                    .error(&p.key("httpMethod"), format!("{e} (got '{h}')")),
            },
            None if is_http || is_aws => self.d.error(
                &p.key("httpMethod"),
                format!(
                    "Missing integration httpMethod: required for type {}",
                    kind.map(IntegrationType::as_str).unwrap_or_default()
                ),
            ),
            None => {}
        }
        // connection
        if let Some(ct) = self.str_field(m, "connectionType", p) {
            match ct.to_ascii_uppercase().as_str() {
                "INTERNET" => integration.connection_type = ConnectionType::Internet,
                "VPC_LINK" => {
                    integration.connection_type = ConnectionType::VpcLink;
                    self.d
                        .not_enforced(&p.key("connectionType"), NotEnforced::VpcLink);
                }
                _ => self.d.error(
                    &p.key("connectionType"),
                    format!("Invalid connectionType '{ct}': expected INTERNET or VPC_LINK"),
                ),
            }
        }
        integration.connection_id = self.str_field(m, "connectionId", p).map(str::to_owned);
        if integration.connection_type == ConnectionType::VpcLink
            && integration.connection_id.is_none()
        {
            self.d.error(
                &p.key("connectionId"),
                "Missing connectionId: a VPC_LINK integration needs the VPC link's id",
            );
        }
        integration.credentials = self.str_field(m, "credentials", p).map(str::to_owned);
        // request mapping
        let owner = format!("resource '{resource_path}' and method '{verb}'");
        if let Some(rp) = m.get("requestParameters") {
            let pp = p.key("requestParameters");
            integration.request_parameters = self.mappings(rp, &pp, "requestParameters", &owner);
            self.check_request_mappings(
                &integration.request_parameters,
                method,
                &pp,
                verb,
                resource_path,
            );
        }
        if let Some(t) = m.get("requestTemplates") {
            integration.request_templates = self.templates(t, &p.key("requestTemplates"));
        }
        if let Some(pb) = self.str_field(m, "passthroughBehavior", p) {
            match PassthroughBehavior::parse(pb) {
                Some(b) => integration.passthrough_behavior = b,
                None => self.d.error(
                    &p.key("passthroughBehavior"),
                    format!("Invalid passthroughBehavior '{pb}': expected one of when_no_match, when_no_templates, never"),
                ),
            }
        }
        integration.content_handling = self.content_handling(m, p);
        match self.int_field(m, "timeoutInMillis", p) {
            Ok(Some(t))
                if (i64::from(Integration::MIN_TIMEOUT_MS)
                    ..=i64::from(Integration::DEFAULT_TIMEOUT_MS))
                    .contains(&t) =>
            {
                integration.timeout_in_millis =
                    u32::try_from(t).unwrap_or(Integration::DEFAULT_TIMEOUT_MS);
            }
            Ok(Some(t)) => self.d.error(
                &p.key("timeoutInMillis"),
                format!("Timeout should be between 50 ms and 29000 ms (got {t})"),
            ),
            _ => {}
        }
        integration.cache_namespace = self.str_field(m, "cacheNamespace", p).map(str::to_owned);
        if let Some(keys) = m.get("cacheKeyParameters") {
            integration.cache_key_parameters = self.string_list(keys, &p.key("cacheKeyParameters"));
        }
        if let Some(tls) = m.get("tlsConfig") {
            let tp = p.key("tlsConfig");
            if let Some(tls) = self.obj(tls, &tp) {
                integration.tls_config = Some(TlsConfig {
                    insecure_skip_verification: self
                        .bool_field(tls, "insecureSkipVerification", &tp)
                        .unwrap_or(false),
                });
            }
        }
        if let Some(responses) = m.get("responses") {
            integration.integration_responses = self.integration_responses(
                responses,
                &p.key("responses"),
                verb,
                resource_path,
                method,
            );
        }
        for key in m.keys() {
            if !KNOWN_INTEGRATION_KEYS.contains(&key.as_str()) {
                self.d.warn(
                    &p.key(key),
                    format!("Unknown integration property '{key}', ignored"),
                );
            }
        }
        (kind.is_some() && self.d.errors.len() == errors_before).then_some(integration)
    }

    pub(super) fn content_handling(
        &mut self,
        m: &'a Map<String, Value>,
        p: &JPath,
    ) -> Option<ContentHandling> {
        let ch = self.str_field(m, "contentHandling", p)?;
        let parsed = ContentHandling::parse(ch);
        if parsed.is_none() {
            self.d.error(
                &p.key("contentHandling"),
                format!(
                    "Invalid contentHandling '{ch}': expected CONVERT_TO_BINARY or CONVERT_TO_TEXT"
                ),
            );
        }
        parsed
    }

    /// Every `method.request.*` source an integration maps must be a declared method request
    /// parameter, and every target an `integration.request.*` location (PutIntegration's rule).
    pub(super) fn check_request_mappings(
        &mut self,
        mappings: &BTreeMap<String, String>,
        method: &Method,
        p: &JPath,
        verb: HttpMethod,
        resource_path: &str,
    ) {
        for (target, source) in mappings {
            let mut bad = Vec::new();
            let target_ok = target
                .strip_prefix("integration.request.")
                .and_then(|rest| rest.split_once('.'))
                .is_some_and(|(loc, name)| {
                    !name.is_empty()
                        && matches!(
                            loc,
                            "path"
                                | "querystring"
                                | "header"
                                | "multivaluequerystring"
                                | "multivalueheader"
                        )
                });
            if !target_ok {
                bad.push(target.clone());
            }
            if let Some(rest) = source.strip_prefix("method.request.") {
                let declared = |loc: &str, name: &str| {
                    let key = format!("method.request.{loc}.{name}");
                    method.request_parameters.keys().any(|k| {
                        if loc == "header" {
                            k.eq_ignore_ascii_case(&key)
                        } else {
                            *k == key
                        }
                    })
                };
                let ok = match rest.split_once('.') {
                    Some(("path", name)) => declared("path", name),
                    Some(("querystring" | "multivaluequerystring", name)) => {
                        declared("querystring", name) || declared("multivaluequerystring", name)
                    }
                    Some(("header" | "multivalueheader", name)) => {
                        declared("header", name) || declared("multivalueheader", name)
                    }
                    Some(("body", _)) => true,
                    None => rest == "body",
                    Some(_) => false,
                };
                if !ok {
                    bad.push(source.clone());
                }
            }
            if !bad.is_empty() {
                self.d.error(
                    &p.key(target),
                    format!(
                        "Unable to put integration on '{verb}' for resource at path '{resource_path}': Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: {}]",
                        bad.join(", ")
                    ),
                );
            }
        }
    }

    pub(super) fn integration_responses(
        &mut self,
        v: &'a Value,
        p: &JPath,
        verb: HttpMethod,
        resource_path: &str,
        method: &Method,
    ) -> BTreeMap<String, IntegrationResponse> {
        let mut out: BTreeMap<String, IntegrationResponse> = BTreeMap::new();
        let mut pattern_of: HashMap<String, String> = HashMap::new();
        let Some(m) = self.obj(v, p) else {
            return out;
        };
        let owner = format!("resource '{resource_path}' and method '{verb}'");
        for (pattern, spec) in m {
            let rp = p.key(pattern);
            let Some(spec) = self.obj(spec, &rp) else {
                continue;
            };
            let Some(status) = self.text_field(spec, "statusCode", &rp) else {
                if spec.get("statusCode").is_none() {
                    self.d.error(
                        &rp.key("statusCode"),
                        "Missing statusCode: every integration response needs the method response status it maps to",
                    );
                }
                continue;
            };
            if !is_status_code(&status) {
                self.d.error(
                    &rp.key("statusCode"),
                    format!("Invalid status code '{status}': expected an HTTP status code from 100 to 599"),
                );
                continue;
            }
            if let Some(first) = pattern_of.get(&status) {
                self.d.error(
                    &rp.key("statusCode"),
                    format!("Integration responses '{first}' and '{pattern}' both map to status code {status}: a method has one integration response per status code"),
                );
                continue;
            }
            pattern_of.insert(status.clone(), pattern.clone());
            let method_response = method.method_responses.get(&status);
            if method_response.is_none() {
                self.d.warn(
                    &rp.key("statusCode"),
                    format!("No method response declares status code {status} (add it under the operation's responses)"),
                );
            }
            let response_parameters = match spec.get("responseParameters") {
                Some(v) => {
                    let pp = rp.key("responseParameters");
                    let params = self.mappings(v, &pp, "responseParameters", &owner);
                    if let Some(mr) = method_response {
                        for target in params.keys() {
                            let declared = mr
                                .response_parameters
                                .keys()
                                .any(|k| k.eq_ignore_ascii_case(target));
                            if !declared {
                                self.d.error(
                                    &pp.key(target),
                                    format!(
                                        "Unable to put integration response on '{verb}' for resource at path '{resource_path}': Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: {target}]"
                                    ),
                                );
                            }
                        }
                    }
                    params
                }
                None => BTreeMap::new(),
            };
            let response_templates = match spec.get("responseTemplates") {
                Some(t) => self.templates(t, &rp.key("responseTemplates")),
                None => BTreeMap::new(),
            };
            let content_handling = self.content_handling(spec, &rp);
            out.insert(
                status.clone(),
                IntegrationResponse {
                    status_code: status,
                    selection_pattern: (pattern != "default").then(|| pattern.clone()),
                    response_parameters,
                    response_templates,
                    content_handling,
                },
            );
        }
        out
    }
}

const KNOWN_INTEGRATION_KEYS: [&str; 15] = [
    "type",
    "uri",
    "httpMethod",
    "credentials",
    "connectionType",
    "connectionId",
    "requestParameters",
    "requestTemplates",
    "passthroughBehavior",
    "contentHandling",
    "timeoutInMillis",
    "cacheNamespace",
    "cacheKeyParameters",
    "tlsConfig",
    "responses",
];

/// `http(s)://` and something after it; stage variables may stand anywhere, even for the whole
/// base (`${stageVariables.url}/pets`).
fn valid_http_uri(uri: &str) -> bool {
    let lower = uri.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) => !rest.is_empty() && !rest.starts_with('/'),
        None => uri.starts_with("${stageVariables."),
    }
}

#[cfg(test)]
mod tests {
    use super::valid_http_uri;

    #[test]
    fn http_uris_are_checked_leniently() {
        for ok in [
            "http://example.com",
            "HTTPS://example.com/a/{id}",
            "http://${stageVariables.host}/a",
            "https://example.com:8443/${stageVariables.path}",
            "${stageVariables.url}/pets",
        ] {
            assert!(valid_http_uri(ok), "{ok}");
        }
        for bad in [
            "",
            "example.com",
            "http://",
            "http:///path",
            "ftp://example.com",
            "arn:aws:apigateway:us-east-1:s3:path/b",
        ] {
            assert!(!valid_http_uri(bad), "{bad}");
        }
    }
}
