//! `AWS::ApiGateway::ApiKey`, `AWS::ApiGateway::UsagePlan` and `AWS::ApiGateway::UsagePlanKey`
//! written as plain CloudFormation next to a SAM API: what `SamApp` exposes of them, their
//! references resolved, and the errors for what cannot be created.

mod common;

use std::collections::BTreeMap;

use common::{api, single};
use tollgate_sam::{Diagnostic, SamApiKey, SamApp, SamPlanResource, SamPlanStage};

fn ok(template: &str) -> SamApp {
    common::ok(template, &common::options("plans"))
}

fn errors(template: &str) -> Vec<Diagnostic> {
    common::errors(template, &common::options("plans"))
}

const HEAD: &str = "Transform: AWS::Serverless-2016-10-31
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        ApiKeyRequired: true
  PetsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: index.handler
      Runtime: python3.12
      Events:
        List:
          Type: Api
          Properties: {RestApiId: !Ref MyApi, Path: /pets, Method: get}
        Add:
          Type: Api
          Properties: {RestApiId: !Ref MyApi, Path: /pets, Method: post}
        Free:
          Type: Api
          Properties: {Path: /free, Method: get}
";

fn plan<'a>(app: &'a SamApp, id: &str) -> &'a SamPlanResource {
    app.usage_plans
        .iter()
        .find(|p| p.logical_id == id)
        .unwrap_or_else(|| panic!("no plan {id}"))
}

fn stage_of(s: &SamPlanStage) -> (&str, &str, &str) {
    (
        s.api_id.as_str(),
        s.api_logical_id.as_str(),
        s.stage.as_str(),
    )
}

#[test]
fn keys_plans_and_plan_keys() {
    let app = ok(&format!(
        "{HEAD}
  PartnerKey:
    Type: AWS::ApiGateway::ApiKey
    DependsOn: MyApiProdStage
    Properties:
      Name: partner
      Description: The partner's key
      CustomerId: cust-1
      Enabled: true
      Value: abcdefghij0123456789XYZ
  SpareKey:
    Type: AWS::ApiGateway::ApiKey
    Properties:
      Enabled: !Equals [a, a]
  GoldPlan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      UsagePlanName: gold
      Description: Partners
      ApiStages:
        - ApiId: !Ref MyApi
          Stage: Prod
          Throttle:
            /pets/GET: {{BurstLimit: 20, RateLimit: 10}}
            /pets/POST: {{BurstLimit: 2, RateLimit: 0.5}}
        - ApiId: !Ref ServerlessRestApi
          Stage: !Ref ServerlessRestApiProdStage
      Throttle: {{BurstLimit: 200, RateLimit: 100}}
      Quota: {{Limit: 5000, Offset: 1, Period: WEEK}}
  SilverPlan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages:
        - ApiId: !Ref MyApi
          Stage: !Ref MyApiProdStage
  BronzePlan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages:
        - {{ApiId: !Ref MyApi, Stage: !Ref MyApi.Stage}}
  GoldPartner:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties:
      KeyId: !Ref PartnerKey
      KeyType: API_KEY
      UsagePlanId: !Ref GoldPlan
  SilverSpare:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties:
      KeyId: !GetAtt SpareKey.APIKeyId
      KeyType: API_KEY
      UsagePlanId: !GetAtt SilverPlan.Id
"
    ));
    // The API id `!Ref MyApi` resolves to.
    let my_api = api(&app, "MyApi");
    let implicit = api(&app, "ServerlessRestApi");

    let keys: Vec<&SamApiKey> = app.api_keys.iter().collect();
    assert_eq!(keys.len(), 2);
    let k = keys[0];
    assert_eq!(
        (
            k.logical_id.as_str(),
            k.name.as_str(),
            k.value.as_deref(),
            k.enabled,
            k.description.as_deref(),
            k.customer_id.as_deref()
        ),
        (
            "PartnerKey",
            "partner",
            Some("abcdefghij0123456789XYZ"),
            true,
            Some("The partner's key"),
            Some("cust-1")
        )
    );
    let k = keys[1];
    assert_eq!(
        (
            k.logical_id.as_str(),
            k.name.as_str(),
            k.value.as_deref(),
            k.enabled
        ),
        ("SpareKey", "SpareKey", None, true)
    );

    assert_eq!(
        app.usage_plans
            .iter()
            .map(|p| p.logical_id.as_str())
            .collect::<Vec<_>>(),
        ["GoldPlan", "SilverPlan", "BronzePlan"]
    );
    let gold = plan(&app, "GoldPlan");
    assert_eq!(
        (gold.name.as_str(), gold.description.as_deref()),
        ("gold", Some("Partners"))
    );
    let t = gold.throttle.unwrap();
    assert_eq!((t.rate_limit, t.burst_limit), (Some(100.0), Some(200)));
    let q = gold.quota.as_ref().unwrap();
    assert_eq!(
        (q.limit, q.offset, q.period.as_deref()),
        (Some(5000), Some(1), Some("WEEK"))
    );
    assert_eq!(gold.api_stages.len(), 2);
    assert_eq!(
        stage_of(&gold.api_stages[0]),
        (my_api.id.as_str(), "MyApi", "Prod")
    );
    assert_eq!(
        gold.api_stages[0].throttle,
        BTreeMap::from([
            ("/pets/GET".to_owned(), (10.0, 20)),
            ("/pets/POST".to_owned(), (0.5, 2)),
        ])
    );
    assert_eq!(
        stage_of(&gold.api_stages[1]),
        (implicit.id.as_str(), "ServerlessRestApi", "Prod")
    );
    assert!(gold.api_stages[1].throttle.is_empty());

    for id in ["SilverPlan", "BronzePlan"] {
        let p = plan(&app, id);
        assert_eq!(p.name, id);
        assert_eq!((p.throttle, p.quota.as_ref()), (None, None));
        assert_eq!(p.api_stages.len(), 1);
        assert_eq!(
            stage_of(&p.api_stages[0]),
            (my_api.id.as_str(), "MyApi", "Prod")
        );
    }

    assert_eq!(
        app.usage_plan_keys,
        [
            ("GoldPlan".to_owned(), "PartnerKey".to_owned()),
            ("SilverPlan".to_owned(), "SpareKey".to_owned()),
        ]
    );
    // These resource types are no longer "not run by Tollgate".
    assert!(
        !app.warnings.iter().any(|w| w.contains("AWS::ApiGateway")),
        "{:#?}",
        app.warnings
    );
}

#[test]
fn parameters_conditions_and_warnings() {
    let app = ok(&format!(
        "Parameters:
  Stage: {{Type: String, Default: Prod}}
  KeyValue: {{Type: String, Default: keykeykeykeykeykeykeykey}}
Conditions:
  WithSpare: !Equals [a, b]
{HEAD}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties:
      Value: !Ref KeyValue
      GenerateDistinctId: true
      StageKeys:
        - {{RestApiId: !Ref MyApi, StageName: Prod}}
      Tags:
        - {{Key: team, Value: pets}}
      Colour: blue
  SpareKey:
    Type: AWS::ApiGateway::ApiKey
    Condition: WithSpare
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      UsagePlanName: !Sub '${{AWS::StackName}}-plan'
      ApiStages:
        - ApiId: !Ref MyApi
          Stage: !Ref Stage
        - !If [WithSpare, {{ApiId: !Ref MyApi, Stage: Other}}, !Ref AWS::NoValue]
      Tags:
        - {{Key: team, Value: pets}}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties:
      KeyId: !If [WithSpare, !Ref SpareKey, !Ref Key]
      KeyType: API_KEY
      UsagePlanId: !Ref Plan
  FunctionWithKeyId:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: index.handler
      Runtime: python3.12
      Environment:
        Variables:
          KEY_ID: !Ref Key
"
    ));
    assert_eq!(app.api_keys.len(), 1);
    let key = &app.api_keys[0];
    assert_eq!(
        (key.name.as_str(), key.value.as_deref(), key.enabled),
        ("Key", Some("keykeykeykeykeykeykeykey"), false)
    );
    let plan = plan(&app, "Plan");
    assert_eq!(plan.name, "plans-plan");
    assert_eq!(plan.api_stages.len(), 1);
    assert_eq!(plan.api_stages[0].stage, "Prod");
    assert_eq!(app.usage_plan_keys, [("Plan".to_owned(), "Key".to_owned())]);
    let warned = |path: &str, text: &str| {
        assert!(
            app.warnings
                .iter()
                .any(|w| w.starts_with(path) && w.contains(text)),
            "no warning {path}: {text} in {:#?}",
            app.warnings
        );
    };
    let p = "Resources.Key.Properties";
    warned(&format!("{p}.GenerateDistinctId"), "ignored");
    warned(&format!("{p}.StageKeys"), "UsagePlanKey");
    warned(&format!("{p}.Tags"), "Tags are not kept");
    warned(&format!("{p}.Colour"), "Unknown ApiKey property");
    warned("Resources.Key:", "no Enabled");
    warned("Resources.Plan.Properties.Tags", "Tags are not kept");
    warned(
        "Resources.FunctionWithKeyId.Properties.Environment.Variables.KEY_ID",
        "generated when Tollgate creates it",
    );
}

/// One resource appended to [`HEAD`]; the only error it gives.
fn one_error(resources: &str) -> Diagnostic {
    single(errors(&format!("{HEAD}{resources}")))
}

const KEY: &str = "
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Enabled: true}
";
const PLAN: &str = "
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{ApiId: !Ref MyApi, Stage: Prod}]
";

#[test]
fn malformed_resources_are_errors_with_their_paths() {
    let cases: Vec<(String, &str, &str)> = vec![
        (
            "  Key:\n    Type: AWS::ApiGateway::ApiKey\n    Properties:\n      Value: tooshort\n"
                .to_owned(),
            "Resources.Key.Properties.Value",
            "20 to 128 characters long, found 8",
        ),
        (
            "  Key:\n    Type: AWS::ApiGateway::ApiKey\n    Properties:\n      Enabled: maybe\n"
                .to_owned(),
            "Resources.Key.Properties.Enabled",
            "Expected a boolean",
        ),
        (
            "  Key:\n    Type: AWS::ApiGateway::ApiKey\n    Properties:\n      Name: [a]\n"
                .to_owned(),
            "Resources.Key.Properties.Name",
            "Expected a string",
        ),
        (
            format!(
                "{KEY}  Key2:\n    Type: AWS::ApiGateway::ApiKey\n    Properties: {{Value: abcdefghij0123456789}}\n  Key3:\n    Type: AWS::ApiGateway::ApiKey\n    Properties: {{Value: abcdefghij0123456789}}\n"
            ),
            "Resources.Key3.Properties.Value",
            "API key Key2 has the same Value",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages: [{ApiId: !Ref Nothing, Stage: Prod}]\n".to_owned(),
            "Resources.Plan.Properties.ApiStages[0].ApiId",
            "!Ref Nothing: 'Nothing' is not a resource of the template",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages: [{ApiId: !Ref PetsFunction, Stage: Prod}]\n".to_owned(),
            "Resources.Plan.Properties.ApiStages[0].ApiId",
            "PetsFunction is an AWS::Serverless::Function",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages: [{ApiId: abc123, Stage: Prod}]\n".to_owned(),
            "Resources.Plan.Properties.ApiStages[0].ApiId",
            "'abc123' is not the id of an API of the template",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages: [{ApiId: !Ref MyApi, Stage: Dev}]\n".to_owned(),
            "Resources.Plan.Properties.ApiStages[0].Stage",
            "API MyApi has no stage 'Dev': its stage is 'Prod'",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages: [{ApiId: !Ref MyApi}]\n".to_owned(),
            "Resources.Plan.Properties.ApiStages[0].Stage",
            "Missing Stage",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages: {ApiId: !Ref MyApi, Stage: Prod}\n".to_owned(),
            "Resources.Plan.Properties.ApiStages",
            "Expected a list",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages:\n        - {ApiId: !Ref MyApi, Stage: Prod}\n        - {ApiId: !Ref MyApi, Stage: !Ref MyApi.Stage}\n".to_owned(),
            "Resources.Plan.Properties.ApiStages[1]",
            "Stage Prod of MyApi is already in the plan",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages:\n        - ApiId: !Ref MyApi\n          Stage: Prod\n          Throttle: {pets/GET: {BurstLimit: 1, RateLimit: 1}}\n".to_owned(),
            "Resources.Plan.Properties.ApiStages[0].Throttle.pets/GET",
            "is not a method path",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages:\n        - ApiId: !Ref MyApi\n          Stage: Prod\n          Throttle: {/pets/FETCH: {BurstLimit: 1, RateLimit: 1}}\n".to_owned(),
            "Resources.Plan.Properties.ApiStages[0].Throttle./pets/FETCH",
            "is not a method path",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages:\n        - ApiId: !Ref MyApi\n          Stage: Prod\n          Throttle: {/pets/GET: {RateLimit: 1}}\n".to_owned(),
            "Resources.Plan.Properties.ApiStages[0].Throttle./pets/GET.BurstLimit",
            "Missing BurstLimit",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages:\n        - ApiId: !Ref MyApi\n          Stage: Prod\n          Throttle: {/pets/GET: {RateLimit: -1, BurstLimit: 2}}\n".to_owned(),
            "Resources.Plan.Properties.ApiStages[0].Throttle./pets/GET.RateLimit",
            "RateLimit must be a non-negative number",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      Quota: {Limit: 10, Period: YEAR}\n".to_owned(),
            "Resources.Plan.Properties.Quota.Period",
            "DAY, WEEK or MONTH",
        ),
        (
            "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      Throttle: {BurstLimit: lots}\n".to_owned(),
            "Resources.Plan.Properties.Throttle.BurstLimit",
            "a non-negative integer",
        ),
        (
            format!("{KEY}{PLAN}  PlanKey:\n    Type: AWS::ApiGateway::UsagePlanKey\n    Properties: {{KeyId: !Ref Nothing, KeyType: API_KEY, UsagePlanId: !Ref Plan}}\n"),
            "Resources.PlanKey.Properties.KeyId",
            "!Ref Nothing: 'Nothing' is not a resource of the template",
        ),
        (
            format!("{KEY}{PLAN}  PlanKey:\n    Type: AWS::ApiGateway::UsagePlanKey\n    Properties: {{KeyId: !Ref Plan, KeyType: API_KEY, UsagePlanId: !Ref Plan}}\n"),
            "Resources.PlanKey.Properties.KeyId",
            "Plan is an AWS::ApiGateway::UsagePlan, not an AWS::ApiGateway::ApiKey",
        ),
        (
            format!("{KEY}{PLAN}  PlanKey:\n    Type: AWS::ApiGateway::UsagePlanKey\n    Properties: {{KeyId: k1a2b3c4d5, KeyType: API_KEY, UsagePlanId: !Ref Plan}}\n"),
            "Resources.PlanKey.Properties.KeyId",
            "Expected !Ref of an AWS::ApiGateway::ApiKey of the template, found 'k1a2b3c4d5'",
        ),
        (
            format!("{KEY}{PLAN}  PlanKey:\n    Type: AWS::ApiGateway::UsagePlanKey\n    Properties: {{KeyId: !Ref Key, KeyType: API_KEY}}\n"),
            "Resources.PlanKey.Properties.UsagePlanId",
            "Missing UsagePlanId",
        ),
        (
            format!("{KEY}{PLAN}  PlanKey:\n    Type: AWS::ApiGateway::UsagePlanKey\n    Properties: {{KeyId: !Ref Key, KeyType: COGNITO, UsagePlanId: !Ref Plan}}\n"),
            "Resources.PlanKey.Properties.KeyType",
            "KeyType must be API_KEY, found 'COGNITO'",
        ),
        (
            format!("{KEY}{PLAN}  PlanKey:\n    Type: AWS::ApiGateway::UsagePlanKey\n    Properties: {{KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref MyApiUsagePlan}}\n"),
            "Resources.PlanKey.Properties.UsagePlanId",
            "usage plans SAM generates",
        ),
        (
            format!("{KEY}{PLAN}  PlanKey:\n    Type: AWS::ApiGateway::UsagePlanKey\n    Properties: {{KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}}\n  PlanKey2:\n    Type: AWS::ApiGateway::UsagePlanKey\n    Properties: {{KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}}\n"),
            "Resources.PlanKey2",
            "API key Key is already in usage plan Plan",
        ),
        (
            format!("{KEY}{PLAN}  Plan2:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties:\n      ApiStages: [{{ApiId: !Ref MyApi, Stage: Prod}}]\n  PlanKey:\n    Type: AWS::ApiGateway::UsagePlanKey\n    Properties: {{KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}}\n  PlanKey2:\n    Type: AWS::ApiGateway::UsagePlanKey\n    Properties: {{KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan2}}\n"),
            "Resources.PlanKey2",
            "two plans of one stage",
        ),
    ];
    for (resources, path, message) in cases {
        let e = one_error(&resources);
        assert_eq!(e.path, path, "{e:#?}\n{resources}");
        assert!(e.message.contains(message), "{e:#?}\n{resources}");
        assert!(e.line.is_some() && e.column.is_some(), "{e:#?}");
    }
}

#[test]
fn errors_have_lines_and_columns() {
    let e = one_error(
        "  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages:
        - ApiId: !Ref MyApi
          Stage: Beta
",
    );
    let head_lines = HEAD.lines().count();
    assert_eq!(e.path, "Resources.Plan.Properties.ApiStages[0].Stage");
    assert_eq!((e.line, e.column), (Some(head_lines + 6), Some(18)));
    assert!(
        e.to_string()
            .contains(&format!("(line {}, column 18)", head_lines + 6))
    );
}
