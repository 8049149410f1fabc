//! Templates `sam local start-api` loads (its own test data among them): what CloudFormation
//! would refuse but a local run can serve becomes a warning; zip archives and inline code run.

mod common;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use common::{api, imported, lambda_uri, method, options, single, warned};
use tollgate_model::HttpMethod;
use tollgate_sam::{SamApp, SamOptions, load};

const HEAD: &str = "Transform: AWS::Serverless-2016-10-31\nResources:\n";

fn with_work_dir(work: &Path) -> SamOptions {
    SamOptions {
        work_dir: Some(work.to_owned()),
        ..options("local")
    }
}

fn load_in(dir: &Path, template: &str, opts: &SamOptions) -> SamApp {
    match load(template.as_bytes(), dir, opts) {
        Ok(app) => app,
        Err(e) => panic!("{e}\nwarnings: {:#?}", e.warnings),
    }
}

#[test]
fn timeout_zero_is_a_warning_and_the_default_applies() {
    let app = common::ok(
        "Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Code: ., Handler: main.handler, Runtime: python3.9, Timeout: 0}
",
        &options("t"),
    );
    assert_eq!(app.functions[0].timeout, Duration::from_secs(3));
    assert!(warned(
        &app,
        &[
            "Resources.Fn.Properties.Timeout: Timeout 0 is out of range (1 to 900 seconds): CloudFormation would refuse it; Tollgate uses the default of 3 seconds (line 4,"
        ]
    ));
    // Beyond AWS's maximum is still an error.
    let d = single(common::errors(
        "Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Code: ., Handler: main.handler, Runtime: python3.9, Timeout: 901}
",
        &options("t"),
    ));
    assert_eq!(d.path, "Resources.Fn.Properties.Timeout");
}

#[test]
fn code_uri_on_a_lambda_function_is_a_warning() {
    let app = common::ok(
        "Resources:
  Plain:
    Type: AWS::Lambda::Function
    Properties: {Handler: main.handler, Runtime: python3.9, CodeUri: tests}
",
        &options("t"),
    );
    assert_eq!(app.functions[0].code_dir, common::dir().join("tests"));
    assert!(warned(
        &app,
        &[
            "Resources.Plain.Properties.CodeUri: AWS::Lambda::Function takes Code, not CodeUri",
            "Tollgate reads the code from CodeUri, as sam local does"
        ]
    ));
}

const TWO_NAMED: &str = "  A:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: customname
      Runtime: python3.12
      Handler: app.a
      CodeUri: .
      Events:
        Get: {Type: Api, Properties: {Path: /a, Method: get}}
  B:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: customname
      Runtime: python3.12
      Handler: app.b
      CodeUri: .
      Environment:
        Variables: {MODE: !Ref Mode}
      Events:
        Get: {Type: Api, Properties: {Path: /b, Method: get}}
";

#[test]
fn duplicate_function_names_are_an_error_only_when_both_would_deploy() {
    // Both would be created, both as `customname`: CloudFormation refuses the second.
    let template =
        format!("Parameters:\n  Mode: {{Type: String, Default: dev}}\n{HEAD}{TWO_NAMED}");
    let d = single(common::errors(&template, &options("t")));
    assert_eq!(d.path, "Resources.B.Properties.FunctionName");
    assert_eq!(
        d.message,
        "Function name 'customname' is used by A and B: function names are unique in an account and region, and CloudFormation would refuse to create B"
    );

    // Mode has no value, so B cannot be created: served under its logical id, as sam local does.
    let template = format!("Parameters:\n  Mode: {{Type: String}}\n{HEAD}{TWO_NAMED}");
    let app = common::ok(&template, &options("t"));
    let names: Vec<&str> = app.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["customname", "B"]);
    assert!(warned(
        &app,
        &[
            "Resources.B.Properties.FunctionName: Function name 'customname' is used by A and B (B cannot be created (parameter Mode has no value)); as sam local does, Tollgate serves B under the name 'B', and its events and references reach it there"
        ]
    ));
    let def = imported(api(&app, "ServerlessRestApi"));
    let uri = |path| {
        method(&def, path, HttpMethod::Get)
            .method_integration
            .as_ref()
            .and_then(|i| i.uri.clone())
            .unwrap()
    };
    assert_eq!(uri("/a"), lambda_uri("customname"));
    assert_eq!(uri("/b"), lambda_uri("B"));

    // A name only one of them sets: CloudFormation would generate the other's.
    let app = common::ok(
        &format!(
            "{HEAD}  A:
    Type: AWS::Serverless::Function
    Properties: {{FunctionName: B, Runtime: python3.12, Handler: app.a, CodeUri: .}}
  B:
    Type: AWS::Serverless::Function
    Properties: {{Runtime: python3.12, Handler: app.b, CodeUri: .}}
"
        ),
        &options("stack"),
    );
    let names: Vec<&str> = app.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["B", "stack-B"]);
    assert!(warned(
        &app,
        &["unique names); as sam local does, Tollgate serves B under the name 'stack-B'"]
    ));
}

#[test]
fn inline_code_is_written_where_lambda_puts_it() {
    let work = tempfile::tempdir().unwrap();
    let app = load_in(
        common::dir(),
        "Resources:
  Py:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return {'statusCode': 200, 'body': 'inline'}
  Node:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: main.handler
      Code:
        ZipFile: !Sub |
          exports.handler = async () => ({statusCode: 200, body: '${AWS::Region}'});
  Custom:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: bootstrap
      InlineCode: echo
",
        &with_work_dir(work.path()),
    );
    let names: Vec<&str> = app.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Py", "Node"]);
    let py = &app.functions[0];
    assert!(py.code_dir.starts_with(work.path().join("inline")));
    assert_eq!(
        std::fs::read_to_string(py.code_dir.join("index.py")).unwrap(),
        "def handler(event, context):\n    return {'statusCode': 200, 'body': 'inline'}\n"
    );
    let node = &app.functions[1];
    assert_eq!(
        std::fs::read_to_string(node.code_dir.join("index.js")).unwrap(),
        "exports.handler = async () => ({statusCode: 200, body: 'us-east-1'});\n"
    );
    assert!(warned(
        &app,
        &[
            "Resources.Node.Properties.Code.ZipFile: Lambda writes inline code to index.js, so handler 'main.handler' will not be found"
        ]
    ));
    assert!(warned(
        &app,
        &[
            "Resources.Custom.Properties.InlineCode",
            "Python and Node.js runtimes only; the function is skipped"
        ]
    ));
    // The same code again: the same directory.
    let again = load_in(
        common::dir(),
        "Resources:
  Py:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return {'statusCode': 200, 'body': 'inline'}
",
        &with_work_dir(work.path()),
    );
    assert_eq!(again.functions[0].code_dir, py.code_dir);
}

/// A zip archive of `(name, content, unix mode)` entries, deflated.
fn zip_of(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content, mode) in entries {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(*mode);
        w.start_file(*name, opts).unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn zip_template(code: &str) -> String {
    format!(
        "{HEAD}  Zipped:
    Type: AWS::Serverless::Function
    Properties: {{Runtime: python3.12, Handler: app.handler, CodeUri: {code}}}
"
    )
}

#[test]
fn zip_code_is_extracted_into_the_work_directory() {
    let app_dir = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        app_dir.path().join("fn.zip"),
        zip_of(&[
            ("app.py", b"def handler(e, c):\n    return 1\n", 0o644),
            ("bin/tool", b"#!/bin/sh\n", 0o755),
            ("../escape.txt", b"out", 0o644),
        ]),
    )
    .unwrap();
    let app = load_in(
        app_dir.path(),
        &zip_template("fn.zip"),
        &with_work_dir(work.path()),
    );
    let dir = &app.functions[0].code_dir;
    assert!(dir.starts_with(work.path().join("code")), "{dir:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("app.py")).unwrap(),
        "def handler(e, c):\n    return 1\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("bin/tool"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }
    // Zip-slip entries are not written anywhere.
    assert!(!work.path().join("code/escape.txt").exists());
    assert!(!work.path().join("escape.txt").exists());
    let mut entries: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, ["app.py", "bin"]);
    // No temporary directory is left behind.
    let code: Vec<_> = std::fs::read_dir(work.path().join("code"))
        .unwrap()
        .collect();
    assert_eq!(code.len(), 1);
}

#[test]
fn bad_archives_are_errors_naming_the_property() {
    let app_dir = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    // A zip whose central directory claims an entry unzips to 300 MB.
    let mut bomb = zip_of(&[("app.py", b"x = 1\n", 0o644)]);
    let central = bomb
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("central directory");
    bomb[central + 24..central + 28].copy_from_slice(&(300u32 * 1024 * 1024).to_le_bytes());
    std::fs::write(app_dir.path().join("bomb.zip"), &bomb).unwrap();
    let mut truncated = zip_of(&[("app.py", b"x = 1\n", 0o644)]);
    truncated.truncate(30);
    std::fs::write(app_dir.path().join("broken.zip"), &truncated).unwrap();
    for (file, why) in [
        (
            "bomb.zip",
            "it unzips to more than 262144000 bytes, Lambda's limit on a function's code",
        ),
        ("broken.zip", "not a valid zip archive"),
    ] {
        let e = load(
            zip_template(file).as_bytes(),
            app_dir.path(),
            &with_work_dir(work.path()),
        )
        .unwrap_err();
        let d = single(e.errors);
        assert_eq!(d.path, "Resources.Zipped.Properties.CodeUri");
        let expected = format!(
            "Cannot extract {}: {why}",
            app_dir.path().join(file).display()
        );
        assert!(d.message.starts_with(&expected), "{d}");
    }
    // Nothing half-extracted stays.
    let left: Vec<_> = std::fs::read_dir(work.path().join("code"))
        .map(|d| d.collect::<Vec<_>>())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}
