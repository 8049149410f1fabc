//! Templates Tollgate cannot run give errors naming the resource, the property and the line;
//! what it can run around gives warnings; no input panics.

mod common;

use common::{dir, single, warned};
use tollgate_sam::{Diagnostic, SamApp, SamOptions, load};

fn ok(template: &str) -> SamApp {
    common::ok(template, &SamOptions::default())
}

fn errors(template: &str) -> Vec<Diagnostic> {
    let e = common::errors(template, &SamOptions::default());
    assert!(!e.is_empty());
    e
}

fn one_error(template: &str) -> Diagnostic {
    single(errors(template))
}

const HEAD: &str = "Transform: AWS::Serverless-2016-10-31\nResources:\n";

fn with(resources: &str) -> String {
    format!("{HEAD}{resources}")
}

#[test]
fn unsupported_runtime() {
    let d = one_error(&with(
        "  GetPet:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: java21
      Handler: pets.Handler::handleRequest
      CodeUri: target/pets.jar
",
    ));
    assert_eq!(d.path, "Resources.GetPet.Properties.Runtime");
    assert!(d.message.starts_with("unsupported runtime java21"), "{d}");
    assert_eq!((d.line, d.column), (Some(6), Some(16)));
    assert!(
        d.to_string()
            .starts_with("Resources.GetPet.Properties.Runtime: unsupported runtime java21")
    );
    assert!(d.to_string().ends_with("(line 6, column 16)"), "{d}");
    // From Globals: the position is the global one.
    let d = one_error(
        "Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: dotnet8
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.b, CodeUri: .}
",
    );
    assert_eq!(d.path, "Resources.A.Properties.Runtime");
    assert_eq!(d.line, Some(4));
    assert!(d.message.contains("dotnet8"));
}

#[test]
fn container_images_need_docker() {
    let d = one_error(&with(
        "  Img:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: 123.dkr.ecr.us-east-1.amazonaws.com/app:latest
",
    ));
    assert_eq!(d.path, "Resources.Img.Properties.PackageType");
    assert!(d.message.contains("Docker"), "{d}");
    assert_eq!(d.line, Some(6));
}

#[test]
fn missing_code_uri_and_handler() {
    let d = one_error(&with(
        "  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
",
    ));
    assert_eq!(d.path, "Resources.Fn.Properties.CodeUri");
    assert!(d.message.contains("no CodeUri"), "{d}");
    let d = one_error(&with(
        "  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src
",
    ));
    assert_eq!(d.path, "Resources.Fn.Properties.Handler");
    let d = one_error(&with(
        "  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
",
    ));
    assert_eq!(d.path, "Resources.Fn.Properties.Runtime");
}

#[test]
fn every_error_is_reported() {
    let e = errors(&with(
        "  A:
    Type: AWS::Serverless::Function
    Properties: {Runtime: java21, Handler: x, CodeUri: .}
  B:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: a.b, CodeUri: ., Timeout: 901}
  C:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: a.b, CodeUri: ., MemorySize: lots}
",
    ));
    let paths: Vec<&str> = e.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Resources.A.Properties.Runtime",
            "Resources.B.Properties.Timeout",
            "Resources.C.Properties.MemorySize"
        ]
    );
}

#[test]
fn unresolvable_intrinsics_are_placeholders_with_warnings() {
    let app = ok(&with(
        "  Table:
    Type: AWS::DynamoDB::Table
  Queue:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src
      Environment:
        Variables:
          TABLE_ARN: !GetAtt Table.Arn
          STREAM: !GetAtt [Table, StreamArn]
          QUEUE: !Ref Queue
          SHARED: !ImportValue shared-vpc
          ROLE: !GetAtt FnRole.Arn
          MISSING: !Ref NotThere
          SUBBED: !Sub 'arn:${AWS::Partition}:sqs:${Queue.Arn}:${Unknown}'
          CIDR: !Cidr [10.0.0.0/16, 2, 8]
",
    ));
    let f = &app.functions[0];
    let env = |k: &str| f.environment.get(k).map(String::as_str);
    assert_eq!(env("TABLE_ARN"), Some("${Table.Arn}"));
    assert_eq!(env("STREAM"), Some("${Table.StreamArn}"));
    assert_eq!(env("QUEUE"), Some("Queue"));
    assert_eq!(env("SHARED"), Some("${ImportValue:shared-vpc}"));
    assert_eq!(env("ROLE"), Some("${FnRole.Arn}"));
    assert_eq!(env("MISSING"), Some("NotThere"));
    assert_eq!(env("SUBBED"), Some("arn:aws:sqs:${Queue.Arn}:Unknown"));
    assert_eq!(env("CIDR"), Some("${Cidr}"));
    let base = "Resources.Fn.Properties.Environment.Variables";
    assert!(warned(
        &app,
        &[
            &format!("{base}.TABLE_ARN:"),
            "!GetAtt Table.Arn",
            "AWS::DynamoDB::Table",
            "line 15"
        ]
    ));
    assert!(warned(
        &app,
        &[&format!("{base}.STREAM:"), "Table.StreamArn"]
    ));
    assert!(warned(
        &app,
        &[&format!("{base}.QUEUE:"), "!Ref Queue (AWS::SQS::Queue)"]
    ));
    assert!(warned(
        &app,
        &[&format!("{base}.SHARED:"), "!ImportValue shared-vpc"]
    ));
    assert!(warned(
        &app,
        &[
            &format!("{base}.ROLE:"),
            "execution role SAM generates for Fn"
        ]
    ));
    assert!(warned(
        &app,
        &[&format!("{base}.MISSING:"), "'NotThere' is not a parameter"]
    ));
    assert!(warned(&app, &[&format!("{base}.SUBBED:"), "Queue.Arn"]));
    assert!(warned(
        &app,
        &[&format!("{base}.SUBBED:"), "'Unknown' is not a parameter"]
    ));
    assert!(warned(
        &app,
        &[&format!("{base}.CIDR:"), "Fn::Cidr is not supported"]
    ));
    assert!(warned(
        &app,
        &[
            "Resources.Table",
            "AWS::DynamoDB::Table is not run by Tollgate"
        ]
    ));
}

#[test]
fn invalid_yaml_has_a_position() {
    let d = one_error("Resources:\n  Fn:\n    Type: [unclosed\n    Properties: {}\n");
    assert!(d.message.starts_with("Invalid YAML"), "{d}");
    assert!(d.line.is_some() && d.column.is_some(), "{d:?}");
    let d = one_error("Resources:\n  Fn:\n    Type: A\n    Type: B\n");
    assert_eq!(d.message, "Invalid YAML: duplicate key 'Type'");
    assert_eq!((d.line, d.column), (Some(4), Some(5)));
    let d = one_error("Resources:\n\tFn: x\n");
    assert!(d.line == Some(2), "{d:?}");
    let d = one_error("{\"Resources\": {\"A\": }");
    assert!(d.message.starts_with("Invalid YAML"), "{d}");
}

#[test]
fn not_a_template() {
    for (text, needle) in [
        ("", "empty"),
        ("   \n# only a comment\n", "empty"),
        ("just a string", "must be a mapping"),
        ("- a\n- b\n", "must be a mapping"),
        ("!Ref X", "must be a mapping"),
        ("Transform: AWS::Serverless-2016-10-31\n", "no Resources"),
        ("Resources: [a, b]\n", "Expected a mapping"),
        ("Resources: {}\n", "no resources"),
        ("Resources:\n  A: 1\n", "Expected a resource"),
        (
            "Resources:\n  A: {Properties: {}}\n",
            "Missing the resource Type",
        ),
        (
            "Resources:\n  my-fn: {Type: AWS::SNS::Topic}\n",
            "Invalid logical id",
        ),
        (
            "Resources:\n  A: {Type: AWS::Serverless::Function, Properties: [1]}\n",
            "Expected a mapping",
        ),
        ("a: 1\n---\nb: 2\n", "more than one YAML document"),
        ("Resources:\n  ? [a]\n  : 1\n", "mapping keys"),
        (
            "Globals: {Foo: {}}\nResources: {A: {Type: AWS::SNS::Topic}}\n",
            "Globals",
        ),
    ] {
        let e = errors(text);
        assert!(
            e.iter().any(|d| d.to_string().contains(needle)),
            "{text:?}: {e:#?}"
        );
    }
    let e = load(
        b"Resources:\n  A: \xff\xfe\n",
        dir(),
        &SamOptions::default(),
    )
    .unwrap_err();
    assert!(e.errors[0].message.contains("not UTF-8"));
}

#[test]
fn skipped_functions_and_events() {
    let app = ok(&with(
        "  FromS3:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://bucket/key.zip
      Events:
        Get:
          Type: Api
          Properties: {Path: /s3, Method: get}
  FromS3Object:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: {Bucket: b, Key: k}
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(e, c): return {}
  Local:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      CodeUri: no-such-dir
      Layers: [arn:aws:lambda:us-east-1:123:layer:x:1]
      Events:
        Http:
          Type: HttpApi
          Properties: {Path: /h, Method: get}
        Queue:
          Type: SQS
          Properties: {Queue: arn}
        Get:
          Type: Api
          Properties: {Path: /local, Method: get, Auth: {ApiKeyRequired: true}}
  Http:
    Type: AWS::Serverless::HttpApi
",
    ));
    assert_eq!(app.functions.len(), 1);
    assert_eq!(app.functions[0].name, "Local");
    assert!(warned(
        &app,
        &["Resources.FromS3.Properties.CodeUri", "S3", "skipped"]
    ));
    assert!(warned(
        &app,
        &["Resources.FromS3Object.Properties.CodeUri", "S3"]
    ));
    assert!(warned(
        &app,
        &[
            "Resources.Inline.Properties.InlineCode",
            "inline code, and no directory was given"
        ]
    ));
    assert!(warned(
        &app,
        &[
            "Resources.FromS3.Properties.Events.Get",
            "not added to any API"
        ]
    ));
    assert!(warned(
        &app,
        &["Events.Http", "HttpApi events", "REST APIs"]
    ));
    assert!(warned(
        &app,
        &["Events.Queue", "Event type SQS is not supported"]
    ));
    assert!(warned(
        &app,
        &["Resources.Local.Properties.Layers", "not mounted"]
    ));
    assert!(warned(
        &app,
        &["Resources.Http", "HttpApi", "not supported"]
    ));
    assert!(warned(
        &app,
        &[
            "Resources.Local.Properties.CodeUri",
            "no-such-dir does not exist"
        ]
    ));
    assert_eq!(app.apis.len(), 1);
    let paths = app.apis[0].openapi["paths"].as_object().unwrap();
    assert_eq!(paths.keys().collect::<Vec<_>>(), ["/local"]);
    assert_eq!(
        paths["/local"]["get"]["security"],
        serde_json::json!([{"api_key": []}])
    );
    assert!(!app.warnings.iter().any(|w| w.contains("not enforced")));
}

#[test]
fn api_errors() {
    let fn_with = |events: &str| {
        with(&format!(
            "  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src
      Events:
{events}"
        ))
    };
    let d = one_error(&fn_with(
        "        E:\n          Type: Api\n          Properties: {Path: /x, Method: fetch}\n",
    ));
    assert_eq!(d.path, "Resources.Fn.Properties.Events.E.Properties.Method");
    let d = one_error(&fn_with(
        "        E:\n          Type: Api\n          Properties: {Path: x, Method: get}\n",
    ));
    assert_eq!(d.path, "Resources.Fn.Properties.Events.E.Properties.Path");
    let d = one_error(&fn_with(
        "        E:\n          Type: Api\n          Properties: {Method: get}\n",
    ));
    assert_eq!(d.path, "Resources.Fn.Properties.Events.E.Properties.Path");
    let d = one_error(&fn_with(
        "        E:\n          Type: Api\n          Properties: {Path: /x, Method: get, RestApiId: !Ref Nope}\n",
    ));
    assert!(d.message.contains("'Nope'"), "{d}");
    // Explicit API without StageName.
    let d = one_error(&with(
        "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      DefinitionBody: {openapi: 3.0.1, info: {title: t}, paths: {}}\n",
    ));
    assert_eq!(d.path, "Resources.Api.Properties.StageName");
    // Both definitions.
    let d = one_error(&with(
        "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: s\n      DefinitionUri: a.yaml\n      DefinitionBody: {openapi: 3.0.1}\n",
    ));
    assert!(
        d.message.contains("either DefinitionUri or DefinitionBody"),
        "{d}"
    );
    // A missing local definition file.
    let d = one_error(&with(
        "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: s\n      DefinitionUri: ./no-such-file.yaml\n",
    ));
    assert_eq!(d.path, "Resources.Api.Properties.DefinitionUri");
    assert!(d.message.contains("Cannot read the definition"), "{d}");
    // CORS credentials with a wildcard origin.
    let d = one_error(&with(
        "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: s\n      Cors: {AllowCredentials: true}\n",
    ));
    assert!(d.message.contains("AllowCredentials"), "{d}");
    // A definition the importer refuses: the importer's path and reason, under the API.
    let d = one_error(&with(
        "  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: s
      DefinitionBody:
        openapi: 3.0.1
        info: {title: t}
        paths:
          /x:
            get:
              x-amazon-apigateway-integration: {type: bogus}
",
    ));
    assert_eq!(d.path, "Resources.Api.Properties");
    assert!(
        d.message
            .contains("The OpenAPI definition of Api is refused"),
        "{d}"
    );
    assert!(
        d.message.contains("Invalid integration type 'bogus'"),
        "{d}"
    );
    // Not OpenAPI at all.
    let d = one_error(&with(
        "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: s\n      DefinitionBody: {paths: {}}\n",
    ));
    assert!(d.message.contains("not an OpenAPI document"), "{d}");
    // Duplicate function names.
    let e = errors(&with(
        "  A:\n    Type: AWS::Serverless::Function\n    Properties: {FunctionName: same, Runtime: python3.12, Handler: a.b, CodeUri: .}\n  B:\n    Type: AWS::Serverless::Function\n    Properties: {FunctionName: same, Runtime: python3.12, Handler: a.b, CodeUri: .}\n",
    ));
    assert!(e[0].message.contains("'same' is used by A and B"), "{e:?}");
}

#[test]
fn template_level_warnings() {
    let app = ok("Parameters:
  Env: {Type: String}
  Names: {Type: CommaDelimitedList, Default: 'a, b'}
Conditions:
  Never: !Equals [a, b]
  Loop: !Not [!Condition Loop]
Globals:
  Api:
    StageName: nope
    Cors: \"'*'\"
Resources:
  Ghost:
    Type: AWS::Serverless::Function
    Condition: Never
    Properties: {Runtime: java8}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src
      Environment:
        Variables:
          ENV: !Ref Env
          SECOND: !Select [1, !Ref Names]
          LOOP: !If [Loop, yes, no]
          GONE: !If [Never, x, !Ref AWS::NoValue]
      Events:
        Root:
          Type: Api
          Properties: {Path: /, Method: any}
");
    assert!(warned(&app, &["Transform", "AWS::Serverless-2016-10-31"]));
    assert!(warned(
        &app,
        &["Parameters.Env", "no Default and no override"]
    ));
    assert!(warned(
        &app,
        &[
            "Globals.Api.StageName",
            "not a property SAM allows in Globals.Api"
        ]
    ));
    assert!(warned(
        &app,
        &["Resources.Ghost", "Condition Never is false"]
    ));
    assert!(warned(&app, &["Conditions.Loop", "refers to itself"]));
    let f = &app.functions[0];
    assert_eq!(app.functions.len(), 1, "Ghost does not exist");
    assert_eq!(f.environment["ENV"], "Env");
    assert_eq!(f.environment["SECOND"], "b");
    assert!(
        !f.environment.contains_key("GONE"),
        "AWS::NoValue removes the variable"
    );
    // Cors from Globals.Api on the implicit API's root ANY method.
    let api = &app.apis[0];
    let options = &api.openapi["paths"]["/"]["options"]["x-amazon-apigateway-integration"];
    assert_eq!(
        options["responses"]["default"]["responseParameters"]["method.response.header.Access-Control-Allow-Methods"],
        "'DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT'"
    );
}

#[test]
fn reference_loops_end() {
    let app = ok(&with(
        "  A:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub '${B}-a'
      Runtime: python3.12
      Handler: a.b
      CodeUri: .
      Environment:
        Variables:
          ME: !GetAtt A.Arn
  B:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Join ['-', [!Ref A, b]]
      Runtime: python3.12
      Handler: a.b
      CodeUri: .
",
    ));
    assert_eq!(app.functions.len(), 2);
    assert!(warned(&app, &["refers to itself"]), "{:#?}", app.warnings);
    // A long chain of references resolves (each name computed once).
    let mut t = String::from(HEAD);
    for i in 0..300 {
        t.push_str(&format!(
            "  F{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: !Sub '${{F{}}}x'\n      Runtime: python3.12\n      Handler: a.b\n      CodeUri: .\n",
            i + 1
        ));
    }
    t.push_str("  F300:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: python3.12, Handler: a.b, CodeUri: .}\n");
    // Names grow past 64 characters: errors, not a crash.
    let _ = common::run(&t, &SamOptions::default());
}

/// Hostile bytes: nothing panics, overflows the stack or eats the memory.
#[test]
fn garbage_never_panics() {
    let mut inputs: Vec<Vec<u8>> = vec![
        b"\0\0\0".to_vec(),
        b"{{{{{{{{".to_vec(),
        b"Resources:\n  A: !Ref\n".to_vec(),
        b"Resources:\n  A: {Type: AWS::Serverless::Function, Properties: !Sub}\n".to_vec(),
        b"Resources: !GetAtt\n".to_vec(),
        b"%YAML 1.2\n%TAG ! tag:evil:\n--- !x\nResources: {}\n".to_vec(),
        b"Resources:\n  A: &a {Type: AWS::SNS::Topic, Properties: {X: *a}}\n".to_vec(),
        b"Resources:\n  A: *nope\n".to_vec(),
        "[".repeat(100_000).into_bytes(),
        "{a: ".repeat(50_000).into_bytes(),
        "- ".repeat(50_000).into_bytes(),
        "!Ref ".repeat(50_000).into_bytes(),
        format!("Resources:\n  A: {}x{}\n", "!Join [".repeat(200), "]".repeat(200)).into_bytes(),
        format!("Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      Environment: {{Variables: {{X: {}a{}}}}}\n", "!Sub [".repeat(45), ", {}]".repeat(45)).into_bytes(),
        b"Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: !Select [99999999999999999999, [a]]\n".to_vec(),
        b"Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: !Select [-1, !Split ['', '']]\n".to_vec(),
        b"Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: !Sub '${'\n      Handler: !Sub '${}${!}${AWS::NoValue}'\n      CodeUri: !FindInMap [a]\n".to_vec(),
    ];
    // Billion laughs through aliases, with and without tags.
    let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..9u8 {
        let (prev, next) = ((b'a' + i) as char, (b'a' + i + 1) as char);
        let refs = vec![format!("*{prev}"); 10].join(", ");
        laughs.push_str(&format!("{next}: &{next} !Join ['', [{refs}]]\n"));
    }
    inputs.push(laughs.into_bytes());
    // Deep aliasing: each anchor nests the previous one.
    let mut deep = String::from("a0: &a0 [[[[[[[[[[x]]]]]]]]]]\n");
    for i in 1..200 {
        deep.push_str(&format!("a{i}: &a{i} [[[[[[[[[[*a{}]]]]]]]]]]\n", i - 1));
    }
    inputs.push(deep.into_bytes());
    // A deep definition body and deep environment values.
    let nest = |n: usize| format!("{}x{}", "{a: ".repeat(n), "}".repeat(n));
    inputs.push(
        with(&format!(
            "  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: s\n      DefinitionBody: {{openapi: 3.0.1, info: {{title: t}}, paths: {{}}, x-deep: {}}}\n",
            nest(90)
        ))
        .into_bytes(),
    );
    inputs.push(
        format!(
            "Globals:\n  Function:\n    Environment: {{Variables: {{X: {}}}}}\n{}  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {{Runtime: python3.12, Handler: a.b, CodeUri: ., Environment: {{Variables: {{X: {}}}}}}}\n",
            nest(90),
            &HEAD["Transform: AWS::Serverless-2016-10-31\n".len()..],
            nest(90)
        )
        .into_bytes(),
    );
    // Mutations of the realistic templates: truncated everywhere, bytes flipped.
    let app = std::fs::read(dir().join("tests/data/app/template.yaml")).unwrap();
    let explicit = std::fs::read(dir().join("tests/data/explicit/template.yaml")).unwrap();
    let json = std::fs::read(dir().join("tests/data/include/template.json")).unwrap();
    for t in [&app, &explicit, &json] {
        for cut in (0..t.len()).step_by(13) {
            inputs.push(t[..cut].to_vec());
        }
    }
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"{}[]:,-!&*|>'\"\n #%@`?\t\\$";
    for t in [&app, &explicit, &json] {
        for _ in 0..300 {
            let mut m = t.clone();
            for _ in 0..(1 + next() % 4) {
                let at = (next() as usize) % m.len();
                m[at] = alphabet[(next() as usize) % alphabet.len()];
            }
            inputs.push(m);
        }
    }
    for input in &inputs {
        let _ = load(input, &dir().join("tests/data/app"), &SamOptions::default());
    }
}

/// One big value copied many times by references or aliases: refused, not materialised.
#[test]
fn amplification_is_bounded() {
    let big = "x".repeat(4 * 1024 * 1024);
    let refs = "!Ref Big, ".repeat(200);
    let t = format!(
        "Parameters:\n  Big: {{Type: String, Default: '{big}'}}\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: a.b\n      CodeUri: .\n      Environment: {{Variables: {{X: !Join ['', [{refs}]]}}}}\n"
    );
    let e = errors(&t);
    assert!(
        e.iter().any(|d| d.message.contains("expands to more than")),
        "{e:#?}"
    );
    let aliases = "*big, ".repeat(2000);
    let t = format!(
        "big: &big '{}'\nlist: [{aliases}]\n",
        "y".repeat(1024 * 1024)
    );
    let e = errors(&t);
    assert!(e[0].message.contains("more than"), "{e:#?}");
}
