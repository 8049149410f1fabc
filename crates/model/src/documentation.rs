//! API documentation: documentation parts (content attached to one entity of an API, found by
//! its location) and documentation versions (named, immutable snapshots of an API's parts).
//!
//! A part's location names its entity by `type` and, depending on the type, `path`, `method`,
//! `statusCode` and `name` (AWS's "valid location fields" table). [`DocumentationPartLocation::
//! normalized`] checks a location against its type and fills the defaults AWS stores and returns
//! (`path` `/`, `method` and `statusCode` `*`), so two locations name the same entity exactly when
//! their normalised forms are equal. An API has at most one part per location.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of API entity a documentation part documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentationPartType {
    Api,
    Authorizer,
    Model,
    Resource,
    Method,
    PathParameter,
    QueryParameter,
    RequestHeader,
    RequestBody,
    Response,
    ResponseHeader,
    ResponseBody,
}

/// Whether a location field may, or must, be given for a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Invalid,
    Optional,
    Required,
}

impl DocumentationPartType {
    /// Every type, in the API model's order.
    pub const ALL: [DocumentationPartType; 12] = [
        DocumentationPartType::Api,
        DocumentationPartType::Authorizer,
        DocumentationPartType::Model,
        DocumentationPartType::Resource,
        DocumentationPartType::Method,
        DocumentationPartType::PathParameter,
        DocumentationPartType::QueryParameter,
        DocumentationPartType::RequestHeader,
        DocumentationPartType::RequestBody,
        DocumentationPartType::Response,
        DocumentationPartType::ResponseHeader,
        DocumentationPartType::ResponseBody,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentationPartType::Api => "API",
            DocumentationPartType::Authorizer => "AUTHORIZER",
            DocumentationPartType::Model => "MODEL",
            DocumentationPartType::Resource => "RESOURCE",
            DocumentationPartType::Method => "METHOD",
            DocumentationPartType::PathParameter => "PATH_PARAMETER",
            DocumentationPartType::QueryParameter => "QUERY_PARAMETER",
            DocumentationPartType::RequestHeader => "REQUEST_HEADER",
            DocumentationPartType::RequestBody => "REQUEST_BODY",
            DocumentationPartType::Response => "RESPONSE",
            DocumentationPartType::ResponseHeader => "RESPONSE_HEADER",
            DocumentationPartType::ResponseBody => "RESPONSE_BODY",
        }
    }

    /// The type named exactly `s` (AWS's enumeration is case-sensitive).
    pub fn parse(s: &str) -> Option<DocumentationPartType> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether the type takes `path` and `method` (everything below a resource's methods).
    fn path_and_method(self) -> (Field, Field) {
        use DocumentationPartType::*;
        match self {
            Api | Authorizer | Model => (Field::Invalid, Field::Invalid),
            Resource => (Field::Optional, Field::Invalid),
            _ => (Field::Optional, Field::Optional),
        }
    }

    fn status_code(self) -> Field {
        use DocumentationPartType::*;
        match self {
            Response | ResponseHeader | ResponseBody => Field::Optional,
            _ => Field::Invalid,
        }
    }

    /// AWS's API reference makes `name` required for the named entities; `REQUEST_BODY` accepts
    /// one (the reference lists it) without needing it (the developer guide's examples have
    /// none).
    fn name(self) -> Field {
        use DocumentationPartType::*;
        match self {
            Authorizer | Model | PathParameter | QueryParameter | RequestHeader
            | ResponseHeader => Field::Required,
            RequestBody => Field::Optional,
            Api | Resource | Method | Response | ResponseBody => Field::Invalid,
        }
    }

    /// Whether an entity may inherit this type's content from a part of a more general location
    /// (the API reference: not API, AUTHORIZER, METHOD, MODEL, REQUEST_BODY or RESOURCE).
    pub fn inheritable(self) -> bool {
        use DocumentationPartType::*;
        matches!(
            self,
            PathParameter
                | QueryParameter
                | RequestHeader
                | Response
                | ResponseHeader
                | ResponseBody
        )
    }
}

impl fmt::Display for DocumentationPartType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a documentation part applies. Absent fields are left out of the JSON form, as AWS
/// answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentationPartLocation {
    #[serde(rename = "type")]
    pub kind: DocumentationPartType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Why a location does not name an entity of its type. The texts are Tollgate's (AWS's are
/// unrecorded), except where a variant says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    #[error("Invalid location: '{field}' is not a valid location field for type {kind}")]
    InvalidField {
        field: &'static str,
        kind: DocumentationPartType,
    },
    #[error("Invalid location: 'name' is required for type {0}")]
    MissingName(DocumentationPartType),
    /// The API model's pattern for `statusCode`, `^([1-5]\d\d|\*|\s*)$`.
    #[error("Invalid location: statusCode '{0}' is not a status code (100 to 599) or *")]
    InvalidStatusCode(String),
    #[error("Invalid location: path '{0}' must start with /")]
    InvalidPath(String),
    #[error(
        "Invalid location: method '{0}' is not one of GET, PUT, POST, DELETE, PATCH, OPTIONS, HEAD, ANY or *"
    )]
    InvalidMethod(String),
}

/// The API model's `DocumentationPartLocationStatusCode` pattern, `^([1-5]\d\d|\*|\s*)$`.
pub fn valid_location_status_code(s: &str) -> bool {
    s == "*"
        || s.chars().all(char::is_whitespace)
        || (s.len() == 3
            && s.bytes().all(|b| b.is_ascii_digit())
            && matches!(s.as_bytes()[0], b'1'..=b'5'))
}

const METHODS: [&str; 9] = [
    "GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY", "*",
];

impl DocumentationPartLocation {
    /// A location of `kind` with no other field.
    pub fn of(kind: DocumentationPartType) -> Self {
        DocumentationPartLocation {
            kind,
            path: None,
            method: None,
            status_code: None,
            name: None,
        }
    }

    /// The location as AWS stores it: fields the type does not take refused, a missing required
    /// `name` refused, blank fields treated as absent, `path` defaulted to `/` and `method` and
    /// `statusCode` to `*` where the type takes them, `method` upper-cased.
    pub fn normalized(self) -> Result<DocumentationPartLocation, LocationError> {
        let kind = self.kind;
        let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        if let Some(code) = &self.status_code
            && !valid_location_status_code(code)
        {
            return Err(LocationError::InvalidStatusCode(code.clone()));
        }
        let (path, method, status_code, name) = (
            given(self.path),
            given(self.method),
            given(self.status_code),
            given(self.name),
        );
        let (path_field, method_field) = kind.path_and_method();
        for (field, rule, value) in [
            ("path", path_field, path.is_some()),
            ("method", method_field, method.is_some()),
            ("statusCode", kind.status_code(), status_code.is_some()),
            ("name", kind.name(), name.is_some()),
        ] {
            if value && rule == Field::Invalid {
                return Err(LocationError::InvalidField { field, kind });
            }
        }
        if kind.name() == Field::Required && name.is_none() {
            return Err(LocationError::MissingName(kind));
        }
        if let Some(p) = &path
            && !p.starts_with('/')
        {
            return Err(LocationError::InvalidPath(p.clone()));
        }
        let method = match method {
            Some(m) => {
                let upper = m.to_ascii_uppercase();
                if !METHODS.contains(&upper.as_str()) {
                    return Err(LocationError::InvalidMethod(m));
                }
                Some(upper)
            }
            None => None,
        };
        let default = |rule: Field, value: Option<String>, default: &str| match rule {
            Field::Invalid => None,
            _ => Some(value.unwrap_or_else(|| default.to_owned())),
        };
        Ok(DocumentationPartLocation {
            kind,
            path: default(path_field, path, "/"),
            method: default(method_field, method, "*"),
            status_code: default(kind.status_code(), status_code, "*"),
            name,
        })
    }

    /// The location with its default values left out (`path` `/`, `method` and `statusCode`
    /// `*`): the form of `x-amazon-apigateway-documentation` in AWS's exports.
    pub fn without_defaults(&self) -> DocumentationPartLocation {
        let keep = |v: &Option<String>, default: &str| v.clone().filter(|s| s != default);
        DocumentationPartLocation {
            kind: self.kind,
            path: keep(&self.path, "/"),
            method: keep(&self.method, "*"),
            status_code: keep(&self.status_code, "*"),
            name: self.name.clone(),
        }
    }

    /// How AWS names a location in its ConflictException: `type 'API'` (recorded), then each
    /// field the location has, `, path '/pets', method 'GET'` (Tollgate's extension of it).
    pub fn describe(&self) -> String {
        let mut text = format!("type '{}'", self.kind);
        for (field, value) in [
            ("path", &self.path),
            ("method", &self.method),
            ("statusCode", &self.status_code),
            ("name", &self.name),
        ] {
            if let Some(v) = value {
                text.push_str(&format!(", {field} '{v}'"));
            }
        }
        text
    }

    /// How well this (normalised) part location covers the (normalised) location of a concrete
    /// `entity`: `None` when it does not, else a rank where higher is more specific. An exact
    /// match always applies; otherwise only inheritable types apply, when the part's path is a
    /// path prefix of the entity's (whole segments) and its method and status code are equal or
    /// `*`. Precedence follows AWS's: path (longer first), then status code, then method. `ANY`
    /// and `*` are the same method.
    pub fn coverage(&self, entity: &DocumentationPartLocation) -> Option<(usize, u8, u8)> {
        if self.kind != entity.kind || self.name != entity.name {
            return None;
        }
        let method = |m: &Option<String>| match m.as_deref() {
            Some("ANY") => Some("*".to_owned()),
            other => other.map(str::to_owned),
        };
        let (mine, theirs) = (method(&self.method), method(&entity.method));
        let exact =
            self.path == entity.path && mine == theirs && self.status_code == entity.status_code;
        if exact {
            return Some((usize::MAX, u8::MAX, u8::MAX));
        }
        if !self.kind.inheritable() {
            return None;
        }
        let path = self.path.as_deref().unwrap_or("/");
        let entity_path = entity.path.as_deref().unwrap_or("/");
        let prefix = path == "/"
            || entity_path == path
            || entity_path
                .strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('/'));
        if !prefix {
            return None;
        }
        let rank = |mine: &Option<String>, theirs: &Option<String>| match (mine, theirs) {
            (a, b) if a == b => Some(1),
            (Some(a), _) if a == "*" => Some(0),
            (None, _) => Some(0),
            _ => None,
        };
        let status = rank(&self.status_code, &entity.status_code)?;
        let method = rank(&mine, &theirs)?;
        Some((path.len(), status, method))
    }
}

/// Documentation content for one API entity. `properties` is JSON text, kept as it was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentationPart {
    pub id: String,
    pub location: DocumentationPartLocation,
    pub properties: String,
}

impl DocumentationPart {
    /// Whether the part has content: its properties are neither `null`, `{}`, `[]` nor `""`
    /// (GetDocumentationParts' `locationStatus=DOCUMENTED`; the others are `UNDOCUMENTED`).
    pub fn is_documented(&self) -> bool {
        match serde_json::from_str::<serde_json::Value>(&self.properties) {
            Ok(serde_json::Value::Null) | Err(_) => false,
            Ok(serde_json::Value::Object(m)) => !m.is_empty(),
            Ok(serde_json::Value::Array(a)) => !a.is_empty(),
            Ok(serde_json::Value::String(s)) => !s.is_empty(),
            Ok(_) => true,
        }
    }
}

/// A named snapshot of an API's documentation parts (the parts themselves are stored beside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentationVersion {
    pub version: String,
    pub created_date: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use DocumentationPartType as T;

    type Loc = DocumentationPartLocation;

    fn loc(kind: T, path: Option<&str>, method: Option<&str>, code: Option<&str>) -> Loc {
        DocumentationPartLocation {
            kind,
            path: path.map(str::to_owned),
            method: method.map(str::to_owned),
            status_code: code.map(str::to_owned),
            name: None,
        }
    }
    fn named(mut l: Loc, name: &str) -> Loc {
        l.name = Some(name.to_owned());
        l
    }

    #[test]
    fn defaults_are_filled_per_type() {
        let api = DocumentationPartLocation::of(T::Api).normalized().unwrap();
        assert_eq!(serde_json::to_string(&api).unwrap(), r#"{"type":"API"}"#);
        let resource = DocumentationPartLocation::of(T::Resource)
            .normalized()
            .unwrap();
        assert_eq!(resource.path.as_deref(), Some("/"));
        assert_eq!(resource.method, None);
        let method = loc(T::Method, Some("/pets"), Some("get"), None)
            .normalized()
            .unwrap();
        assert_eq!(method, loc(T::Method, Some("/pets"), Some("GET"), None));
        let response = DocumentationPartLocation::of(T::Response)
            .normalized()
            .unwrap();
        assert_eq!(response, loc(T::Response, Some("/"), Some("*"), Some("*")));
        let param = named(loc(T::PathParameter, Some("/pets/{id}"), None, None), "id")
            .normalized()
            .unwrap();
        assert_eq!(
            serde_json::to_string(&param).unwrap(),
            r#"{"type":"PATH_PARAMETER","path":"/pets/{id}","method":"*","name":"id"}"#
        );
        let model = named(DocumentationPartLocation::of(T::Model), "Pet")
            .normalized()
            .unwrap();
        assert_eq!(model.path, None);
        let body = loc(T::RequestBody, None, Some("POST"), None)
            .normalized()
            .unwrap();
        assert_eq!(body.name, None);
    }

    #[test]
    fn fields_a_type_does_not_take_are_refused() {
        assert_eq!(
            loc(T::Api, Some("/x"), None, None).normalized(),
            Err(LocationError::InvalidField {
                field: "path",
                kind: T::Api
            })
        );
        assert_eq!(
            loc(T::Method, None, None, Some("200")).normalized(),
            Err(LocationError::InvalidField {
                field: "statusCode",
                kind: T::Method
            })
        );
        assert_eq!(
            named(loc(T::Response, None, None, None), "x").normalized(),
            Err(LocationError::InvalidField {
                field: "name",
                kind: T::Response
            })
        );
        assert_eq!(
            loc(T::QueryParameter, None, None, None).normalized(),
            Err(LocationError::MissingName(T::QueryParameter))
        );
        assert_eq!(
            loc(T::Response, None, None, Some("600")).normalized(),
            Err(LocationError::InvalidStatusCode("600".into()))
        );
        assert_eq!(
            loc(T::Resource, Some("pets"), None, None).normalized(),
            Err(LocationError::InvalidPath("pets".into()))
        );
        assert_eq!(
            loc(T::Method, None, Some("FETCH"), None).normalized(),
            Err(LocationError::InvalidMethod("FETCH".into()))
        );
        // Blank fields are absent, for every type.
        assert!(loc(T::Api, Some(""), None, Some(" ")).normalized().is_ok());
    }

    #[test]
    fn export_form_leaves_defaults_out() {
        let l = loc(T::Response, Some("/"), Some("GET"), Some("*"));
        assert_eq!(
            l.without_defaults(),
            loc(T::Response, None, Some("GET"), None)
        );
        assert_eq!(
            l.describe(),
            "type 'RESPONSE', path '/', method 'GET', statusCode '*'"
        );
    }

    #[test]
    fn coverage_prefers_exact_then_longest_path_then_status_code() {
        let n = |l: Loc| l.normalized().unwrap();
        let entity = n(loc(
            T::Response,
            Some("/pets/{id}"),
            Some("GET"),
            Some("400"),
        ));
        let general = n(loc(T::Response, None, None, Some("400")));
        let pets_any = n(loc(T::Response, Some("/pets"), None, None));
        let pets_400 = n(loc(T::Response, Some("/pets"), None, Some("400")));
        let other = n(loc(T::Response, Some("/petsx"), None, None));
        let exact = entity.clone();
        assert!(general.coverage(&entity) < pets_any.coverage(&entity));
        assert!(pets_any.coverage(&entity) < pets_400.coverage(&entity));
        assert!(pets_400.coverage(&entity) < exact.coverage(&entity));
        assert_eq!(other.coverage(&entity), None);
        let post = n(loc(T::Response, Some("/pets"), Some("POST"), None));
        assert_eq!(post.coverage(&entity), None);
        // Methods do not inherit: only the exact location (ANY being `*`) applies.
        let method = n(loc(T::Method, Some("/pets"), None, None));
        let get = n(loc(T::Method, Some("/pets"), Some("GET"), None));
        let any = n(loc(T::Method, Some("/pets"), Some("ANY"), None));
        assert_eq!(method.coverage(&get), None);
        assert!(method.coverage(&any).is_some());
    }

    #[test]
    fn documented_means_some_content() {
        let part = |p: &str| DocumentationPart {
            id: "abc123".into(),
            location: DocumentationPartLocation::of(T::Api),
            properties: p.into(),
        };
        assert!(part(r#"{"description":"x"}"#).is_documented());
        for empty in ["{}", "null", "[]", "\"\"", " { } "] {
            assert!(!part(empty).is_documented(), "{empty}");
        }
    }
}
