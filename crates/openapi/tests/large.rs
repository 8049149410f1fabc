//! Large definitions: a 10,000-resource YAML document imports; what is really too big is
//! refused with API Gateway's own limit named.

use tollgate_openapi::{ImportOptions, import};

/// A YAML document with `n` resources, each with a GET method whose MOCK integration has a
/// request template, a response and two parameters (about 40 YAML nodes per resource).
fn document(n: usize) -> String {
    let mut doc = String::from("openapi: 3.0.1\ninfo: {title: big, version: '1'}\npaths:\n");
    for i in 0..n {
        doc.push_str(&format!(
            "  /r{i}:
    get:
      parameters:
        - {{name: q, in: query, required: false, schema: {{type: string}}}}
        - {{name: h, in: header, required: true, schema: {{type: string}}}}
      responses:
        '200':
          description: ok
          headers: {{X-Id: {{schema: {{type: string}}}}}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{application/json: '{{\"statusCode\": 200}}'}}
        responses:
          default: {{statusCode: '200', responseParameters: {{method.response.header.X-Id: \"'{i}'\"}}}}
"
        ));
    }
    doc
}

#[test]
fn a_ten_thousand_resource_yaml_document_imports() {
    let doc = document(10_000);
    assert!(doc.len() < 6 * 1024 * 1024, "{} bytes", doc.len());
    let imported = match import(doc.as_bytes(), &ImportOptions::default()) {
        Ok(i) => i,
        Err(e) => panic!("{e}"),
    };
    // The root and one resource per path.
    assert_eq!(imported.definition.resources.len(), 10_001);
}

#[test]
fn a_document_over_six_megabytes_names_the_limit() {
    let doc = document(25_000);
    assert!(doc.len() > 6 * 1024 * 1024);
    let e = import(doc.as_bytes(), &ImportOptions::default()).unwrap_err();
    assert_eq!(e.errors.len(), 1);
    assert_eq!(
        e.errors[0].message,
        format!(
            "The document is {} bytes; API Gateway imports at most 6 MB (6291456 bytes)",
            doc.len()
        )
    );
}

#[test]
fn six_megabytes_of_tiny_yaml_nodes_are_refused_by_name() {
    // Flow sequences of one-character scalars: the most nodes 6 MB can hold.
    let mut doc = String::from("openapi: 3.0.1\ninfo: {title: t, version: '1'}\nx-data: [");
    while doc.len() < 6 * 1024 * 1024 - 16 {
        doc.push_str("a,");
    }
    doc.push_str("a]\n");
    match import(doc.as_bytes(), &ImportOptions::default()) {
        Ok(_) => {}
        Err(e) => assert!(
            e.errors
                .iter()
                .all(|d| !d.message.contains("budget breached")),
            "{e}"
        ),
    }
}
