//! The base path, the resource tree and the methods of each path item.

use super::*;

impl<'a> Importer<'a> {
    // ----- base path and resources -----

    /// The base path's segments (empty when ignored or absent).
    pub(super) fn base_path(&mut self) -> Vec<String> {
        let root = self.root;
        let (text, p) = match self.flavor {
            Flavor::Swagger2 => match root.get("basePath") {
                Some(v) => (scalar_text(v), JPath::root().key("basePath")),
                None => (None, JPath::root()),
            },
            Flavor::Oas3 => {
                // The first server's `basePath` variable, else the path of the first url.
                let servers = root.get("servers").and_then(Value::as_array);
                let servers = servers.map(Vec::as_slice).unwrap_or_default();
                let with_variable = servers.iter().enumerate().find_map(|(i, s)| {
                    s.get("variables")
                        .and_then(|v| v.get("basePath"))
                        .and_then(|b| b.get("default"))
                        .and_then(scalar_text)
                        .map(|d| (d, i))
                });
                match (with_variable, servers.first()) {
                    (Some((default, i)), _) => (
                        Some(default),
                        JPath::root()
                            .key("servers")
                            .index(i)
                            .key("variables")
                            .key("basePath")
                            .key("default"),
                    ),
                    (None, Some(server)) => (
                        server_base_path(server),
                        JPath::root().key("servers").index(0).key("url"),
                    ),
                    (None, None) => (None, JPath::root()),
                }
            }
        };
        let Some(text) = text else {
            return Vec::new();
        };
        let mut segments: Vec<String> = text
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        match self.base_mode {
            BasePathMode::Ignore => return Vec::new(),
            BasePathMode::Prepend => {}
            BasePathMode::Split => {
                if !segments.is_empty() {
                    segments.remove(0);
                }
            }
        }
        for s in &segments {
            if let Err(e) = PathPart::parse(s) {
                self.d.error(&p, format!("Invalid base path '{text}': {e}"));
                return Vec::new();
            }
        }
        segments
    }

    pub(super) fn paths(&mut self, base: &[String]) {
        let pp = JPath::root().key("paths");
        let Some(paths) = self.root.get("paths") else {
            return;
        };
        let Some(paths) = self.obj(paths, &pp) else {
            return;
        };
        let root_index = self
            .definition
            .resources
            .iter()
            .position(|r| r.parent_id.is_none())
            .unwrap_or(0);
        self.by_path.insert("/".to_owned(), root_index);
        for (key, item) in paths {
            let p = pp.key(key);
            if key.starts_with("x-") {
                if key.starts_with(EXTENSION_PREFIX) {
                    self.unsupported_extension(&pp, key);
                }
                continue;
            }
            let Some(index) = self.resource_for(key, base, &p) else {
                continue;
            };
            let Some((item, ip)) = self.resolve(item, &p) else {
                continue;
            };
            let Some(item) = self.obj(item, &ip) else {
                continue;
            };
            self.path_item(index, item, &ip);
        }
    }

    /// Creates (or finds) the resources of one `paths` key; `None` after an error.
    pub(super) fn resource_for(&mut self, key: &str, base: &[String], p: &JPath) -> Option<usize> {
        let Some(rest) = key.strip_prefix('/') else {
            self.d.error(
                p,
                format!("Invalid path '{key}': a path must start with '/'"),
            );
            return None;
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let mut parts: Vec<(String, PathPart)> = Vec::new();
        for s in base {
            if let Ok(part) = PathPart::parse(s) {
                parts.push((s.clone(), part));
            }
        }
        if !rest.is_empty() {
            for s in rest.split('/') {
                match PathPart::parse(s) {
                    Ok(part) => parts.push((s.to_owned(), part)),
                    Err(e) => {
                        self.d.error(p, format!("Invalid path '{key}': {e}"));
                        return None;
                    }
                }
            }
        }
        let last = parts.len().saturating_sub(1);
        if let Some((text, _)) = parts
            .iter()
            .take(last)
            .find(|(_, part)| matches!(part, PathPart::Greedy(_)))
        {
            self.d.error(
                p,
                format!("Cannot create a child of a resource with a greedy path variable: {text}"),
            );
            return None;
        }
        let mut current = *self.by_path.get("/")?;
        let mut path = String::new();
        for (text, part) in &parts {
            path.push('/');
            path.push_str(text);
            if let Some(&existing) = self.by_path.get(&path) {
                current = existing;
                continue;
            }
            if part.is_variable() {
                if let Some(sibling) = self.variable_child.get(&current) {
                    self.d.error(
                        p,
                        format!(
                            "A sibling ({sibling}) of this resource already has a variable path part -- only one is allowed"
                        ),
                    );
                    return None;
                }
                self.variable_child.insert(current, text.clone());
            }
            let parent = self.definition.resources.get(current)?;
            let child = Resource::child(parent, text);
            self.definition.resources.push(child);
            current = self.definition.resources.len() - 1;
            self.by_path.insert(path.clone(), current);
        }
        let full = if path.is_empty() {
            "/".to_owned()
        } else {
            path
        };
        if let Some(first) = self.defined_paths.get(&full) {
            self.d.error(
                p,
                format!("Duplicate path: '{key}' is the same resource ({full}) as '{first}'"),
            );
            return None;
        }
        self.defined_paths.insert(full, key.to_owned());
        Some(current)
    }

    pub(super) fn path_item(&mut self, index: usize, item: &'a Map<String, Value>, p: &JPath) {
        let item_params = item.get("parameters").unwrap_or(&Value::Null);
        let resource_path = self
            .definition
            .resources
            .get(index)
            .map(|r| r.path.clone())
            .unwrap_or_default();
        for (key, op) in item {
            let op_path = p.key(key);
            let verb = OPERATIONS
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, verb)| *verb);
            match (verb, key.as_str()) {
                (Some(verb), _) => {
                    let Some(op) = self.obj(op, &op_path) else {
                        continue;
                    };
                    let method = self.method(
                        verb,
                        op,
                        &op_path,
                        item_params,
                        &p.key("parameters"),
                        &resource_path,
                    );
                    if let Some(resource) = self.definition.resources.get_mut(index) {
                        resource.resource_methods.insert(verb, method);
                    }
                }
                (None, "trace") => self.d.warn(
                    &op_path,
                    "API Gateway has no TRACE method; the operation is ignored",
                ),
                (None, k) if k.starts_with(EXTENSION_PREFIX) => self.unsupported_extension(p, k),
                _ => {}
            }
        }
    }

    // ----- methods -----

    pub(super) fn method(
        &mut self,
        verb: HttpMethod,
        op: &'a Map<String, Value>,
        p: &JPath,
        item_params: &'a Value,
        item_params_path: &JPath,
        resource_path: &str,
    ) -> Method {
        let mut method = Method::new(verb);
        method.operation_name = self.text_field(op, "operationId", p);
        // Parameters: the path item's, overridden by the operation's (same name and location).
        let mut params: Vec<(String, String, &'a Map<String, Value>, JPath)> = Vec::new();
        for (list, lp) in [
            (item_params, item_params_path.clone()),
            (
                op.get("parameters").unwrap_or(&Value::Null),
                p.key("parameters"),
            ),
        ] {
            let Some(list) = self.arr(list, &lp) else {
                continue;
            };
            for (i, param) in list.iter().enumerate() {
                let Some((param, pp)) = self.resolve(param, &lp.index(i)) else {
                    continue;
                };
                let Some(param) = self.obj(param, &pp) else {
                    continue;
                };
                let name = self.text_field(param, "name", &pp);
                let location = self.str_field(param, "in", &pp);
                let (Some(name), Some(location)) = (name, location) else {
                    self.d.error(&pp, "A parameter needs both 'name' and 'in'");
                    continue;
                };
                params.retain(|(n, l, _, _)| !(n == &name && l == location));
                params.push((name, location.to_owned(), param, pp));
            }
        }
        let mut body_schema: Option<(&'a Value, JPath)> = None;
        for (name, location, param, pp) in &params {
            let required = self.bool_field(param, "required", pp).unwrap_or(false);
            let source = match location.as_str() {
                "path" => Some(("path", true)),
                "query" => Some(("querystring", required)),
                "header" => Some(("header", required)),
                "body" if self.flavor == Flavor::Swagger2 => {
                    if let Some(schema) = param.get("schema") {
                        body_schema = Some((schema, pp.key("schema")));
                    }
                    None
                }
                other => {
                    self.d.warn(
                        &pp.key("in"),
                        format!("Parameter location '{other}' is not supported by API Gateway; parameter '{name}' is ignored"),
                    );
                    None
                }
            };
            if let Some((source, required)) = source {
                method
                    .request_parameters
                    .insert(format!("method.request.{source}.{name}"), required);
            }
        }
        // Request models.
        match self.flavor {
            Flavor::Swagger2 => {
                if let Some((schema, sp)) = body_schema
                    && let Some(model) = self.model_of(schema, &sp)
                {
                    for ct in self.media_types(op, "consumes", p) {
                        method.request_models.insert(ct, model.clone());
                    }
                }
            }
            Flavor::Oas3 => {
                if let Some(body) = op.get("requestBody")
                    && let Some((body, bp)) = self.resolve(body, &p.key("requestBody"))
                    && let Some(body) = self.obj(body, &bp)
                    && let Some(content) = body.get("content")
                    && let Some(content) = self.obj(content, &bp.key("content"))
                {
                    for (ct, media) in content {
                        let cp = bp.key("content").key(ct);
                        if let Some(schema) = media.get("schema")
                            && let Some(model) = self.model_of(schema, &cp.key("schema"))
                        {
                            method.request_models.insert(ct.clone(), model);
                        }
                    }
                }
            }
        }
        // Method responses.
        if let Some(responses) = op.get("responses")
            && let Some(responses) = self.obj(responses, &p.key("responses"))
        {
            for (code, response) in responses {
                let rp = p.key("responses").key(code);
                if code.starts_with("x-") {
                    continue;
                }
                if !is_status_code(code) {
                    self.d.warn(
                        &rp,
                        format!(
                            "Response '{code}' is not an HTTP status code; API Gateway ignores it"
                        ),
                    );
                    continue;
                }
                let Some((response, rp)) = self.resolve(response, &rp) else {
                    continue;
                };
                let Some(response) = self.obj(response, &rp) else {
                    continue;
                };
                let mr = self.method_response(code, response, op, p, &rp);
                method.method_responses.insert(code.clone(), mr);
            }
        }
        // Security.
        if let Some(security) = op.get("security") {
            self.method_security(&mut method, security, &p.key("security"));
        }
        // Request validator.
        method.request_validator_id = match op.get(VALIDATOR) {
            Some(v) => {
                let vp = p.key(VALIDATOR);
                self.str_or_err(v, &vp)
                    .and_then(|name| self.validator_id(name, &vp))
            }
            None => self.default_validator.clone(),
        };
        // x-amazon-apigateway-auth: {type: AWS_IAM | NONE}
        if let Some(auth) = op.get(AUTH) {
            let ap = p.key(AUTH);
            if let Some(auth) = self.obj(auth, &ap)
                && let Some(t) = self.str_field(auth, "type", &ap)
            {
                match t.to_ascii_uppercase().as_str() {
                    "AWS_IAM" => {
                        method.authorization_type = AuthorizationType::AwsIam;
                        method.authorizer_id = None;
                    }
                    "NONE" => {}
                    _ => self.d.error(
                        &ap.key("type"),
                        format!(
                            "Invalid x-amazon-apigateway-auth type '{t}': expected AWS_IAM or NONE"
                        ),
                    ),
                }
            }
        }
        // Integration.
        match op.get(INTEGRATION) {
            Some(v) => {
                let ip = p.key(INTEGRATION);
                if let Some((v, ip)) = self.resolve(v, &ip) {
                    method.method_integration = self.integration(v, &ip, verb, resource_path, &method);
                }
            }
            None => self.d.warn(
                p,
                format!(
                    "No {INTEGRATION}: the method is imported without an integration, and a deployment needs one for every method"
                ),
            ),
        }
        for key in op.keys() {
            if key.starts_with(EXTENSION_PREFIX)
                && ![INTEGRATION, VALIDATOR, AUTH].contains(&key.as_str())
            {
                self.unsupported_extension(p, key);
            }
        }
        method
    }

    /// `consumes`/`produces` of the operation, else of the document, else `application/json`.
    pub(super) fn media_types(
        &mut self,
        op: &'a Map<String, Value>,
        key: &str,
        p: &JPath,
    ) -> Vec<String> {
        let (v, vp) = match op.get(key) {
            Some(v) => (v, p.key(key)),
            None => match self.root.get(key) {
                Some(v) => (v, JPath::root().key(key)),
                None => return vec!["application/json".to_owned()],
            },
        };
        let list = self.string_list(v, &vp);
        if list.is_empty() {
            vec!["application/json".to_owned()]
        } else {
            list
        }
    }

    pub(super) fn method_response(
        &mut self,
        code: &str,
        response: &'a Map<String, Value>,
        op: &'a Map<String, Value>,
        op_path: &JPath,
        p: &JPath,
    ) -> MethodResponse {
        let mut mr = MethodResponse {
            status_code: code.to_owned(),
            response_parameters: BTreeMap::new(),
            response_models: BTreeMap::new(),
        };
        if let Some(headers) = response.get("headers")
            && let Some(headers) = self.obj(headers, &p.key("headers"))
        {
            for name in headers.keys() {
                mr.response_parameters
                    .insert(format!("method.response.header.{name}"), false);
            }
        }
        match self.flavor {
            Flavor::Swagger2 => {
                if let Some(schema) = response.get("schema")
                    && let Some(model) = self.model_of(schema, &p.key("schema"))
                {
                    for ct in self.media_types(op, "produces", op_path) {
                        mr.response_models.insert(ct, model.clone());
                    }
                }
            }
            Flavor::Oas3 => {
                if let Some(content) = response.get("content")
                    && let Some(content) = self.obj(content, &p.key("content"))
                {
                    for (ct, media) in content {
                        if let Some(schema) = media.get("schema")
                            && let Some(model) =
                                self.model_of(schema, &p.key("content").key(ct).key("schema"))
                        {
                            mr.response_models.insert(ct.clone(), model);
                        }
                    }
                }
            }
        }
        mr
    }
}

/// The path of an OpenAPI 3 server's url, its variables replaced by their defaults.
fn server_base_path(server: &Value) -> Option<String> {
    let variables = server.get("variables");
    let url = server.get("url")?.as_str()?;
    let mut expanded = String::new();
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        expanded.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                let value = variables
                    .and_then(|v| v.get(name))
                    .and_then(|v| v.get("default"))
                    .and_then(scalar_text)
                    .unwrap_or_default();
                expanded.push_str(&value);
                rest = &after[close + 1..];
            }
            None => {
                expanded.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    expanded.push_str(rest);
    let path = match expanded.find("://") {
        Some(i) => {
            let after = &expanded[i + 3..];
            after.find('/').map(|j| &after[j..]).unwrap_or("")
        }
        None => expanded.as_str(),
    };
    Some(path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::server_base_path;
    use serde_json::json;

    #[test]
    fn server_urls_give_base_paths() {
        let cases = [
            (
                json!({"url": "https://api.example.com/v1/pets"}),
                "/v1/pets",
            ),
            (json!({"url": "https://api.example.com"}), ""),
            (json!({"url": "/relative"}), "/relative"),
            (
                json!({"url": "https://{host}/{stage}/x", "variables": {"host": {"default": "h"}, "stage": {"default": "prod"}}}),
                "/prod/x",
            ),
            (json!({"url": "https://h/{unclosed"}), "/{unclosed"),
            (json!({"url": "https://h/{missing}/y"}), "//y"),
        ];
        for (server, expected) in cases {
            assert_eq!(
                server_base_path(&server).as_deref(),
                Some(expected),
                "{server}"
            );
        }
        assert_eq!(server_base_path(&json!({"url": 3})), None);
    }
}
