//! A whole API definition: what an import produces, what a deployment snapshots, and what the
//! engine compiles.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::documentation::DocumentationPart;
use crate::gateway_response::GatewayResponse;
use crate::rest_api::{Authorizer, Model, PathPart, RequestValidator, Resource, RestApi};

/// A REST API with everything that belongs to it. Deployments store one of these, immutably,
/// without its documentation parts: AWS's deployments do not snapshot documentation
/// (documentation versions do).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiDefinition {
    pub rest_api: RestApi,
    /// The resource tree, root included, methods embedded.
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub models: Vec<Model>,
    #[serde(default)]
    pub request_validators: Vec<RequestValidator>,
    #[serde(default)]
    pub gateway_responses: Vec<GatewayResponse>,
    #[serde(default)]
    pub authorizers: Vec<Authorizer>,
    /// The API's documentation parts, in creation order, at most one per (normalised) location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documentation_parts: Vec<DocumentationPart>,
}

/// One reason a definition is not a valid API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    #[error("the root resource {0} is missing")]
    MissingRoot(String),
    #[error("resource {id} has unknown parent {parent}")]
    UnknownParent { id: String, parent: String },
    #[error("resource id {0} is used twice")]
    DuplicateResourceId(String),
    #[error("Another resource with the same parent already has this name: {0}")]
    DuplicateSibling(String),
    #[error(
        "A sibling ({0}) of this resource already has a variable path part -- only one is allowed"
    )]
    TwoVariableSiblings(String),
    #[error("Cannot create a child of a resource with a greedy path variable: {0}")]
    ChildOfGreedy(String),
    #[error("resource {path}: {reason}")]
    BadPathPart { path: String, reason: String },
    #[error("resource {id}: path {actual} does not match its parents ({expected})")]
    PathMismatch {
        id: String,
        actual: String,
        expected: String,
    },
    #[error("resource {0} is not connected to the root")]
    Cyclical(String),
    /// AWS's ConflictException text for a second part at one location.
    #[error("Documentation part already exists for the specified location: {0}.")]
    DuplicateDocumentationLocation(String),
}

impl ApiDefinition {
    /// A definition of an empty API: a root resource and the built-in models.
    pub fn empty(rest_api: RestApi) -> Self {
        let root = Resource::root(rest_api.root_resource_id.clone());
        ApiDefinition {
            rest_api,
            resources: vec![root],
            models: Model::builtins(),
            request_validators: Vec::new(),
            gateway_responses: Vec::new(),
            authorizers: Vec::new(),
            documentation_parts: Vec::new(),
        }
    }

    /// The root resource.
    pub fn root(&self) -> Option<&Resource> {
        self.resources
            .iter()
            .find(|r| r.id == self.rest_api.root_resource_id)
    }

    /// Number of methods over all resources.
    pub fn method_count(&self) -> usize {
        self.resources
            .iter()
            .map(|r| r.resource_methods.len())
            .sum()
    }

    /// Checks the resource tree as CreateResource would: known parents, consistent paths, unique
    /// sibling names, one variable child per parent, nothing below a greedy part; and that no two
    /// documentation parts share a location.
    pub fn validate(&self) -> Result<(), Vec<DefinitionError>> {
        let mut errors = Vec::new();
        let root_id = &self.rest_api.root_resource_id;
        let mut by_id: HashMap<&str, &Resource> = HashMap::new();
        for r in &self.resources {
            if by_id.insert(r.id.as_str(), r).is_some() {
                errors.push(DefinitionError::DuplicateResourceId(r.id.clone()));
            }
        }
        if !by_id.contains_key(root_id.as_str()) {
            errors.push(DefinitionError::MissingRoot(root_id.clone()));
            return Err(errors);
        }
        let mut children: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
        for r in &self.resources {
            if r.id == *root_id {
                continue;
            }
            match r.parent_id.as_deref() {
                Some(p) if by_id.contains_key(p) => children.entry(p).or_default().push(r),
                Some(p) => errors.push(DefinitionError::UnknownParent {
                    id: r.id.clone(),
                    parent: p.to_owned(),
                }),
                None => errors.push(DefinitionError::UnknownParent {
                    id: r.id.clone(),
                    parent: String::new(),
                }),
            }
        }
        // Walk from the root so that cycles and orphans show up as unreached resources.
        let mut reached: HashSet<&str> = HashSet::new();
        let mut stack = vec![(by_id[root_id.as_str()], "/".to_owned(), false)];
        reached.insert(root_id.as_str());
        while let Some((node, path, greedy)) = stack.pop() {
            if node.path != path {
                errors.push(DefinitionError::PathMismatch {
                    id: node.id.clone(),
                    actual: node.path.clone(),
                    expected: path.clone(),
                });
            }
            let kids = children
                .get(node.id.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let mut names = HashSet::new();
            let mut variable: Option<&str> = None;
            for kid in kids {
                let part_text = kid.path_part.as_deref().unwrap_or("");
                if greedy {
                    errors.push(DefinitionError::ChildOfGreedy(
                        node.path_part.clone().unwrap_or_default(),
                    ));
                }
                let part = match PathPart::parse(part_text) {
                    Ok(p) => p,
                    Err(e) => {
                        errors.push(DefinitionError::BadPathPart {
                            path: kid.path.clone(),
                            reason: e.to_string(),
                        });
                        continue;
                    }
                };
                if !names.insert(part_text) {
                    errors.push(DefinitionError::DuplicateSibling(part_text.to_owned()));
                }
                if part.is_variable() {
                    if let Some(existing) = variable {
                        errors.push(DefinitionError::TwoVariableSiblings(existing.to_owned()));
                    }
                    variable = Some(part_text);
                }
                if reached.insert(kid.id.as_str()) {
                    let kid_path = if path == "/" {
                        format!("/{part_text}")
                    } else {
                        format!("{path}/{part_text}")
                    };
                    stack.push((kid, kid_path, matches!(part, PathPart::Greedy(_))));
                }
            }
        }
        for r in &self.resources {
            if !reached.contains(r.id.as_str())
                && by_id.contains_key(r.parent_id.as_deref().unwrap_or(""))
            {
                errors.push(DefinitionError::Cyclical(r.id.clone()));
            }
        }
        let mut locations = HashSet::new();
        for part in &self.documentation_parts {
            if !locations.insert(&part.location) {
                errors.push(DefinitionError::DuplicateDocumentationLocation(
                    part.location.describe(),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> ApiDefinition {
        ApiDefinition::empty(RestApi::new("t"))
    }

    #[test]
    fn empty_api_is_valid() {
        let d = api();
        assert_eq!(d.validate(), Ok(()));
        assert_eq!(d.models.len(), 2);
    }

    #[test]
    fn tree_rules_are_enforced() {
        let mut d = api();
        let root = d.root().unwrap().clone();
        let a = Resource::child(&root, "{a}");
        let b = Resource::child(&root, "{b}");
        let g = Resource::child(&root, "{proxy+}");
        let under = Resource::child(&g, "x");
        let dup = Resource::child(&root, "{a}");
        d.resources.extend([a, b, g, under, dup]);
        let errs = d.validate().unwrap_err();
        assert!(
            errs.iter()
                .any(|e| matches!(e, DefinitionError::TwoVariableSiblings(_))),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| matches!(e, DefinitionError::ChildOfGreedy(_))),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| matches!(e, DefinitionError::DuplicateSibling(_))),
            "{errs:?}"
        );
    }

    #[test]
    fn unknown_parent_is_reported() {
        let mut d = api();
        let mut r = Resource::child(d.root().unwrap(), "x");
        r.parent_id = Some("nope00".into());
        d.resources.push(r);
        assert!(matches!(
            d.validate().unwrap_err()[0],
            DefinitionError::UnknownParent { .. }
        ));
    }
}
