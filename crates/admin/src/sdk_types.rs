//! GetSdkTypes (`GET /sdktypes`) and GetSdkType (`GET /sdktypes/{id}`): the SDK kinds API
//! Gateway generates and the parameters each takes (the reference's SDK generation table).

use http::{Method as Verb, StatusCode};
use serde::Serialize;

use crate::{ApiError, Call, Reply, page};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SdkType {
    id: &'static str,
    friendly_name: &'static str,
    description: &'static str,
    configuration_properties: Vec<Property>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Property {
    name: &'static str,
    friendly_name: &'static str,
    description: &'static str,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_value: Option<&'static str>,
}

const fn required(name: &'static str, friendly_name: &'static str) -> Property {
    Property {
        name,
        friendly_name,
        description: "",
        required: true,
        default_value: None,
    }
}

const fn optional(
    name: &'static str,
    friendly_name: &'static str,
    default_value: Option<&'static str>,
) -> Property {
    Property {
        name,
        friendly_name,
        description: "",
        required: false,
        default_value,
    }
}

fn sdk_types() -> Vec<SdkType> {
    vec![
        SdkType {
            id: "android",
            friendly_name: "Android",
            description: "Android SDK",
            configuration_properties: vec![
                required("groupId", "Group ID"),
                required("artifactId", "Artifact ID"),
                required("artifactVersion", "Artifact Version"),
                required("invokerPackage", "Invoker Package"),
            ],
        },
        SdkType {
            id: "java",
            friendly_name: "Java SDK",
            description: "Java SDK",
            configuration_properties: vec![
                required("serviceName", "Service Name"),
                required("javaPackageName", "Java Package Name"),
                optional("javaBuildSystem", "Build System", Some("maven")),
                optional("javaGroupId", "Group Id", None),
                optional("javaArtifactId", "Artifact Id", None),
                optional("javaArtifactVersion", "Artifact Version", None),
                optional("javaLicenseText", "License Text", None),
            ],
        },
        SdkType {
            id: "javascript",
            friendly_name: "JavaScript",
            description: "JavaScript SDK",
            configuration_properties: Vec::new(),
        },
        SdkType {
            id: "objectivec",
            friendly_name: "iOS (Objective-C)",
            description: "iOS SDK in Objective-C",
            configuration_properties: vec![required("classPrefix", "Prefix")],
        },
        SdkType {
            id: "ruby",
            friendly_name: "Ruby",
            description: "Ruby SDK",
            configuration_properties: vec![
                required("service.name", "Service Name"),
                optional("ruby.gem-name", "Ruby Gem Name", None),
                optional("ruby.gem-version", "Ruby Gem Version", Some("1.0.0")),
            ],
        },
        SdkType {
            id: "swift",
            friendly_name: "iOS (Swift)",
            description: "iOS SDK in Swift",
            configuration_properties: vec![required("classPrefix", "Prefix")],
        },
    ]
}

/// Routes `/sdktypes` + `rest`.
pub(crate) fn route(call: &Call<'_>, rest: &[&str]) -> Option<Result<Reply, ApiError>> {
    if call.method != Verb::GET {
        return None;
    }
    Some(match rest {
        [] => Ok(Reply::json(StatusCode::OK, &page(call, sdk_types()))),
        [id] => match sdk_types().into_iter().find(|t| t.id == *id) {
            Some(t) => Ok(Reply::json(StatusCode::OK, &t)),
            None => Err(ApiError::not_found("Invalid SDK type specified")),
        },
        _ => return None,
    })
}
