//! REST APIs, resources, models, request validators and authorizers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::method::{HttpMethod, Method};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ApiKeySource {
    #[default]
    Header,
    Authorizer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EndpointType {
    Edge,
    Regional,
    Private,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfiguration {
    pub types: Vec<EndpointType>,
    #[serde(default = "EndpointConfiguration::default_ip_type")]
    pub ip_address_type: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpc_endpoint_ids: Vec<String>,
}

impl EndpointConfiguration {
    fn default_ip_type() -> String {
        "ipv4".to_owned()
    }
}

impl Default for EndpointConfiguration {
    fn default() -> Self {
        EndpointConfiguration {
            types: vec![EndpointType::Edge],
            ip_address_type: Self::default_ip_type(),
            vpc_endpoint_ids: Vec::new(),
        }
    }
}

/// A REST API: the container of resources, models and everything deployed with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApi {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub created_date: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binary_media_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_compression_size: Option<u32>,
    #[serde(default)]
    pub api_key_source: ApiKeySource,
    #[serde(default)]
    pub endpoint_configuration: EndpointConfiguration,
    /// The resource policy as JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    pub root_resource_id: String,
}

impl RestApi {
    /// A new API with AWS's CreateRestApi defaults and fresh ids.
    pub fn new(name: impl Into<String>) -> Self {
        RestApi {
            id: crate::ids::long_id(),
            name: name.into(),
            description: None,
            version: None,
            created_date: crate::now_epoch_seconds(),
            warnings: Vec::new(),
            binary_media_types: Vec::new(),
            minimum_compression_size: None,
            api_key_source: ApiKeySource::Header,
            endpoint_configuration: EndpointConfiguration::default(),
            policy: None,
            tags: BTreeMap::new(),
            disable_execute_api_endpoint: false,
            root_resource_id: crate::ids::long_id(),
        }
    }
}

/// One segment of a resource path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathPart {
    /// A literal segment, matched byte for byte.
    Literal(String),
    /// `{name}`: exactly one non-empty segment.
    Param(String),
    /// `{name+}`: one or more segments; only as the last part.
    Greedy(String),
}

/// Why a path part was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathPartError {
    #[error("path part is empty")]
    Empty,
    #[error(
        "invalid path part '{0}': a variable must fill the whole segment, as {{name}} or {{name+}}"
    )]
    PartialVariable(String),
    #[error("invalid path part '{0}': only [A-Za-z0-9._:,-] are allowed in a literal segment")]
    BadCharacter(String),
}

impl PathPart {
    /// Parses one segment as API Gateway's CreateResource does.
    pub fn parse(s: &str) -> Result<PathPart, PathPartError> {
        if s.is_empty() {
            return Err(PathPartError::Empty);
        }
        if let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            let (name, greedy) = match inner.strip_suffix('+') {
                Some(n) => (n, true),
                None => (inner, false),
            };
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            {
                return Err(PathPartError::PartialVariable(s.to_owned()));
            }
            return Ok(if greedy {
                PathPart::Greedy(name.to_owned())
            } else {
                PathPart::Param(name.to_owned())
            });
        }
        if s.contains(['{', '}']) {
            return Err(PathPartError::PartialVariable(s.to_owned()));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-:,".contains(&b))
        {
            return Err(PathPartError::BadCharacter(s.to_owned()));
        }
        Ok(PathPart::Literal(s.to_owned()))
    }

    pub fn is_variable(&self) -> bool {
        !matches!(self, PathPart::Literal(_))
    }
}

/// A node of the resource tree. The root has no parent and no path part; its path is `/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_part: Option<String>,
    pub path: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_methods: BTreeMap<HttpMethod, Method>,
}

impl Resource {
    pub fn root(id: impl Into<String>) -> Self {
        Resource {
            id: id.into(),
            parent_id: None,
            path_part: None,
            path: "/".to_owned(),
            resource_methods: BTreeMap::new(),
        }
    }

    /// A child of `parent` with a fresh id.
    pub fn child(parent: &Resource, path_part: &str) -> Self {
        let path = if parent.path == "/" {
            format!("/{path_part}")
        } else {
            format!("{}/{path_part}", parent.path)
        };
        Resource {
            id: crate::ids::short_id(),
            parent_id: Some(parent.id.clone()),
            path_part: Some(path_part.to_owned()),
            path,
            resource_methods: BTreeMap::new(),
        }
    }
}

/// A JSON Schema (draft 4) data model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The schema as JSON text, as AWS returns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub content_type: String,
}

impl Model {
    /// The two models every new API gets: `Empty` and `Error`.
    pub fn builtins() -> Vec<Model> {
        vec![
            Model {
                id: crate::ids::short_id(),
                name: "Empty".to_owned(),
                description: Some("This is a default empty schema model".to_owned()),
                schema: Some(
                    "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}"
                        .to_owned(),
                ),
                content_type: "application/json".to_owned(),
            },
            Model {
                id: crate::ids::short_id(),
                name: "Error".to_owned(),
                description: Some("This is a default error schema model".to_owned()),
                schema: Some(
                    "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}"
                        .to_owned(),
                ),
                content_type: "application/json".to_owned(),
            },
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestValidator {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub validate_request_body: bool,
    #[serde(default)]
    pub validate_request_parameters: bool,
}

/// A Lambda (TOKEN/REQUEST) or Cognito user pool authorizer. Evaluated by a later pipeline phase;
/// kept in the model now so deployments snapshot it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        rename = "providerARNs"
    )]
    pub provider_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_credentials: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_validation_expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_result_ttl_in_seconds: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn path_parts_parse_like_create_resource() {
        assert_eq!(
            PathPart::parse("pets"),
            Ok(PathPart::Literal("pets".into()))
        );
        assert_eq!(PathPart::parse("{id}"), Ok(PathPart::Param("id".into())));
        assert_eq!(
            PathPart::parse("{proxy+}"),
            Ok(PathPart::Greedy("proxy".into()))
        );
        assert!(matches!(
            PathPart::parse("a{id}"),
            Err(PathPartError::PartialVariable(_))
        ));
        assert!(matches!(
            PathPart::parse("{}"),
            Err(PathPartError::PartialVariable(_))
        ));
        assert!(matches!(
            PathPart::parse("a b"),
            Err(PathPartError::BadCharacter(_))
        ));
        assert_eq!(PathPart::parse(""), Err(PathPartError::Empty));
    }

    #[test]
    fn new_rest_api_has_aws_defaults() {
        let api = RestApi::new("pets");
        let v = serde_json::to_value(&api).unwrap();
        assert_eq!(v["apiKeySource"], "HEADER");
        assert_eq!(
            v["endpointConfiguration"],
            json!({"types":["EDGE"],"ipAddressType":"ipv4"})
        );
        assert_eq!(v["disableExecuteApiEndpoint"], false);
        assert!(crate::ids::is_api_id(&api.id));
    }

    #[test]
    fn child_paths_join() {
        let root = Resource::root("r00t000000");
        let pets = Resource::child(&root, "pets");
        assert_eq!(pets.path, "/pets");
        let id = Resource::child(&pets, "{id}");
        assert_eq!(id.path, "/pets/{id}");
        assert_eq!(id.parent_id.as_deref(), Some(pets.id.as_str()));
        let v = serde_json::to_value(&root).unwrap();
        assert_eq!(v, json!({"id":"r00t000000","path":"/"}));
    }
}
