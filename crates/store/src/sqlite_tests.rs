//! Tests of the SQLite store, on real files in temporary directories.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tollgate_model::{
    ApiDefinition, Authorizer, CanarySettings, GatewayResponse, GatewayResponseType, HttpMethod,
    Integration, IntegrationType, Method, RequestValidator, Resource, RestApi, Stage,
};

use super::*;

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("data").join("tollgate.db")
}

fn open(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(&db_path(dir)).expect("open store")
}

/// An API whose every method has an integration, with a bit of everything in it.
fn deployable(name: &str) -> ApiDefinition {
    let mut def = ApiDefinition::empty(RestApi::new(name));
    let root = def.root().expect("root").clone();
    let mut pets = Resource::child(&root, "pets");
    let mut get = Method::new(HttpMethod::Get);
    let mut integration = Integration::new(IntegrationType::HttpProxy);
    integration.uri = Some("http://backend.example/pets".to_owned());
    integration.http_method = Some("GET".to_owned());
    get.method_integration = Some(integration);
    pets.resource_methods.insert(HttpMethod::Get, get);
    let mut pet = Resource::child(&pets, "{id}");
    let mut any = Method::new(HttpMethod::Any);
    any.method_integration = Some(Integration::new(IntegrationType::Mock));
    pet.resource_methods.insert(HttpMethod::Any, any);
    def.resources.extend([pets, pet]);
    def.request_validators.push(RequestValidator {
        id: "val001".to_owned(),
        name: Some("body".to_owned()),
        validate_request_body: true,
        validate_request_parameters: false,
    });
    let mut throttled = GatewayResponse::builtin(GatewayResponseType::Throttled);
    throttled.default_response = false;
    throttled.status_code = Some("503".to_owned());
    def.gateway_responses.push(throttled);
    def.gateway_responses
        .push(GatewayResponse::builtin(GatewayResponseType::Default4xx));
    def.authorizers.push(Authorizer {
        id: "auth01".to_owned(),
        name: "tokens".to_owned(),
        kind: "TOKEN".to_owned(),
        provider_arns: Vec::new(),
        auth_type: Some("custom".to_owned()),
        authorizer_uri: Some("arn:aws:apigateway:us-east-1:lambda:path/fn".to_owned()),
        authorizer_credentials: None,
        identity_source: Some("method.request.header.Authorization".to_owned()),
        identity_validation_expression: None,
        authorizer_result_ttl_in_seconds: Some(300),
    });
    def
}

fn request(stage: &str) -> DeployRequest {
    DeployRequest {
        stage_name: stage.to_owned(),
        ..DeployRequest::default()
    }
}

/// Row counts of every per-API table, to show that nothing was left behind.
fn row_counts(path: &Path) -> BTreeMap<&'static str, i64> {
    let conn = Connection::open(path).expect("raw open");
    [
        "rest_apis",
        "resources",
        "models",
        "request_validators",
        "gateway_responses",
        "authorizers",
        "deployments",
        "stages",
    ]
    .into_iter()
    .map(|t| {
        let n = conn
            .query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
            .expect("count");
        (t, n)
    })
    .collect()
}

#[tokio::test]
async fn create_get_list_delete() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    assert!(store.list_apis().await.unwrap().is_empty());

    let mut a = deployable("a");
    a.rest_api.created_date = 100;
    let mut b = ApiDefinition::empty(RestApi::new("b"));
    b.rest_api.created_date = 50;
    let mut c = ApiDefinition::empty(RestApi::new("c"));
    c.rest_api.created_date = 100;
    for d in [&a, &b, &c] {
        store.create_api(d).await.unwrap();
    }

    assert_eq!(store.get_api(&a.rest_api.id).await.unwrap(), a.rest_api);
    assert_eq!(store.api_definition(&a.rest_api.id).await.unwrap(), a);
    let names: Vec<String> = store
        .list_apis()
        .await
        .unwrap()
        .into_iter()
        .map(|api| api.name)
        .collect();
    assert_eq!(
        names,
        ["b", "a", "c"],
        "oldest first, ties in creation order"
    );

    let err = store.create_api(&a).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    store.delete_api(&b.rest_api.id).await.unwrap();
    let err = store.get_api(&b.rest_api.id).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::ApiNotFound(id) if *id == b.rest_api.id),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "Invalid API identifier specified 000000000000:{}",
            b.rest_api.id
        )
    );
    assert!(matches!(
        store.delete_api(&b.rest_api.id).await,
        Err(StoreError::ApiNotFound(_))
    ));
    assert!(matches!(
        store.api_definition("nosuchapi0").await,
        Err(StoreError::ApiNotFound(_))
    ));
    assert_eq!(store.list_apis().await.unwrap().len(), 2);
}

#[tokio::test]
async fn replace_api_swaps_the_definition_and_keeps_deployments() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let def = deployable("pets");
    let api_id = def.rest_api.id.clone();
    store.create_api(&def).await.unwrap();
    let (deployment, _) = store.deploy(&api_id, &request("prod")).await.unwrap();

    let mut changed = def.clone();
    changed.rest_api.description = Some("v2".to_owned());
    changed.resources.truncate(2);
    changed.authorizers.clear();
    store.replace_api(&changed).await.unwrap();
    assert_eq!(store.api_definition(&api_id).await.unwrap(), changed);
    assert_eq!(
        store.get_api(&api_id).await.unwrap().description.as_deref(),
        Some("v2")
    );
    let (_, snapshot) = store.get_deployment(&api_id, &deployment.id).await.unwrap();
    assert_eq!(snapshot, def, "the deployment is not affected");
    assert_eq!(
        store
            .get_stage(&api_id, "prod")
            .await
            .unwrap()
            .deployment_id,
        deployment.id
    );

    let unknown = ApiDefinition::empty(RestApi::new("ghost"));
    assert!(matches!(
        store.replace_api(&unknown).await,
        Err(StoreError::ApiNotFound(_))
    ));
}

#[tokio::test]
async fn deploy_freezes_the_definition() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let def = deployable("pets");
    let api_id = def.rest_api.id.clone();
    store.create_api(&def).await.unwrap();

    let req = DeployRequest {
        stage_name: "prod".to_owned(),
        description: Some("first".to_owned()),
        stage_description: Some("production".to_owned()),
        variables: BTreeMap::from([("backend".to_owned(), "a.example".to_owned())]),
        ..DeployRequest::default()
    };
    let (deployment, stage) = store.deploy(&api_id, &req).await.unwrap();
    assert_eq!(deployment.id.len(), 6);
    assert_eq!(deployment.description.as_deref(), Some("first"));
    assert_eq!(stage.stage_name, "prod");
    assert_eq!(stage.deployment_id, deployment.id);
    assert_eq!(stage.description.as_deref(), Some("production"));
    assert_eq!(stage.variables, req.variables);
    assert_eq!(stage.cache_cluster_status, "NOT_AVAILABLE");

    let (got, snapshot) = store.get_deployment(&api_id, &deployment.id).await.unwrap();
    assert_eq!(got, deployment);
    assert_eq!(snapshot, def);
    assert_eq!(store.get_stage(&api_id, "prod").await.unwrap(), stage);
    assert_eq!(
        store.list_stages(&api_id).await.unwrap(),
        vec![stage.clone()]
    );
    assert_eq!(
        store.all_stages().await.unwrap(),
        vec![(api_id.clone(), stage)]
    );

    // Later edits do not reach the deployment.
    let mut edited = def.clone();
    edited.resources.truncate(1);
    store.replace_api(&edited).await.unwrap();
    let (_, snapshot) = store.get_deployment(&api_id, &deployment.id).await.unwrap();
    assert_eq!(snapshot, def);

    let err = store.get_deployment(&api_id, "nope00").await.unwrap_err();
    assert!(
        matches!(&err, StoreError::DeploymentNotFound { deployment_id, .. } if deployment_id == "nope00"),
        "{err:?}"
    );
    assert!(matches!(
        store.get_deployment("nosuchapi0", &deployment.id).await,
        Err(StoreError::ApiNotFound(_))
    ));
    assert!(matches!(
        store.get_stage(&api_id, "dev").await,
        Err(StoreError::StageNotFound { .. })
    ));
    assert!(matches!(
        store.get_stage("nosuchapi0", "prod").await,
        Err(StoreError::ApiNotFound(_))
    ));
    assert!(matches!(
        store.deploy("nosuchapi0", &request("prod")).await,
        Err(StoreError::ApiNotFound(_))
    ));
}

#[tokio::test]
async fn redeploy_repoints_the_stage_and_keeps_the_old_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let def = deployable("pets");
    let api_id = def.rest_api.id.clone();
    store.create_api(&def).await.unwrap();

    let first_req = DeployRequest {
        stage_name: "prod".to_owned(),
        stage_description: Some("production".to_owned()),
        variables: BTreeMap::from([
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
        ]),
        ..DeployRequest::default()
    };
    let (first, first_stage) = store.deploy(&api_id, &first_req).await.unwrap();

    let mut v2 = def.clone();
    v2.resources.truncate(2);
    store.replace_api(&v2).await.unwrap();
    let second_req = DeployRequest {
        stage_name: "prod".to_owned(),
        stage_description: Some("ignored for an existing stage".to_owned()),
        variables: BTreeMap::from([
            ("b".to_owned(), "20".to_owned()),
            ("c".to_owned(), "30".to_owned()),
        ]),
        ..DeployRequest::default()
    };
    let (second, stage) = store.deploy(&api_id, &second_req).await.unwrap();
    assert_ne!(first.id, second.id);
    assert_eq!(stage.deployment_id, second.id);
    assert_eq!(stage.created_date, first_stage.created_date);
    assert!(stage.last_updated_date >= first_stage.last_updated_date);
    assert_eq!(stage.description.as_deref(), Some("production"));
    let expected: BTreeMap<String, String> = [("a", "1"), ("b", "20"), ("c", "30")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(stage.variables, expected);
    assert_eq!(store.get_stage(&api_id, "prod").await.unwrap(), stage);

    let ids: Vec<String> = store
        .list_deployments(&api_id)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, [first.id.clone(), second.id.clone()], "oldest first");
    assert_eq!(
        store.get_deployment(&api_id, &first.id).await.unwrap().1,
        def
    );
    assert_eq!(
        store.get_deployment(&api_id, &second.id).await.unwrap().1,
        v2
    );
    assert_eq!(store.list_stages(&api_id).await.unwrap().len(), 1);

    // Rolling back is a put_stage to the older deployment.
    let mut rollback = stage.clone();
    rollback.deployment_id = first.id.clone();
    store.put_stage(&api_id, &rollback).await.unwrap();
    assert_eq!(store.get_stage(&api_id, "prod").await.unwrap(), rollback);
}

#[tokio::test]
async fn deploy_refuses_incomplete_apis_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);

    let empty = ApiDefinition::empty(RestApi::new("empty"));
    store.create_api(&empty).await.unwrap();
    let err = store
        .deploy(&empty.rest_api.id, &request("prod"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::BadRequest(m) if m == "The REST API doesn't contain any methods"),
        "{err:?}"
    );

    let mut half = deployable("half");
    let root_id = half.rest_api.root_resource_id.clone();
    let root = half.resources.iter_mut().find(|r| r.id == root_id).unwrap();
    root.resource_methods
        .insert(HttpMethod::Post, Method::new(HttpMethod::Post));
    store.create_api(&half).await.unwrap();
    let err = store
        .deploy(&half.rest_api.id, &request("prod"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::BadRequest(m) if m == "No integration defined for method"),
        "{err:?}"
    );

    let good = deployable("good");
    store.create_api(&good).await.unwrap();
    for bad in ["", "a/b", "has space"] {
        let err = store
            .deploy(&good.rest_api.id, &request(bad))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::BadRequest(_)), "{bad:?}: {err:?}");
    }

    let revision = store.revision().await.unwrap();
    for def in [&empty, &half, &good] {
        assert!(
            store
                .list_deployments(&def.rest_api.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .list_stages(&def.rest_api.id)
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert!(store.all_stages().await.unwrap().is_empty());
    let counts = row_counts(store.path());
    assert_eq!(counts["deployments"], 0);
    assert_eq!(counts["stages"], 0);
    assert_eq!(store.revision().await.unwrap(), revision);
}

#[tokio::test]
async fn everything_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let def = deployable("pets");
    let api_id = def.rest_api.id.clone();
    let (deployment, stage, revision) = {
        let store = open(&dir);
        store.create_api(&def).await.unwrap();
        let (d, s) = store.deploy(&api_id, &request("prod")).await.unwrap();
        (d, s, store.revision().await.unwrap())
    };

    let store = open(&dir);
    assert_eq!(store.api_definition(&api_id).await.unwrap(), def);
    assert_eq!(
        store.get_deployment(&api_id, &deployment.id).await.unwrap(),
        (deployment.clone(), def.clone())
    );
    assert_eq!(store.get_stage(&api_id, "prod").await.unwrap(), stage);
    assert_eq!(
        store.list_deployments(&api_id).await.unwrap(),
        vec![deployment]
    );
    assert_eq!(store.revision().await.unwrap(), revision);
}

#[tokio::test]
async fn revision_grows_with_every_write_and_is_shared_between_connections() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let other = open(&dir);
    let mut last = store.revision().await.unwrap();
    assert_eq!(last, 0);
    assert_eq!(other.revision().await.unwrap(), 0);

    let def = deployable("pets");
    let api_id = def.rest_api.id.clone();

    /// Asserts that both stores see a revision above `last`, and moves `last` on.
    async fn grew(store: &SqliteStore, other: &SqliteStore, last: &mut u64, what: &str) {
        let now = store.revision().await.unwrap();
        assert!(now > *last, "{what}: {now} <= {last}");
        assert_eq!(
            other.revision().await.unwrap(),
            now,
            "{what}: other connection"
        );
        *last = now;
    }

    store.create_api(&def).await.unwrap();
    grew(&store, &other, &mut last, "create_api").await;
    store.replace_api(&def).await.unwrap();
    grew(&store, &other, &mut last, "replace_api").await;
    let (deployment, stage) = store.deploy(&api_id, &request("prod")).await.unwrap();
    grew(&store, &other, &mut last, "deploy").await;
    let mut dev = stage.clone();
    dev.stage_name = "dev".to_owned();
    store.put_stage(&api_id, &dev).await.unwrap();
    grew(&store, &other, &mut last, "put_stage").await;
    store.delete_stage(&api_id, "dev").await.unwrap();
    grew(&store, &other, &mut last, "delete_stage").await;

    // A write through the other connection (another process, in real life) is seen here.
    other.deploy(&api_id, &request("prod")).await.unwrap();
    grew(&other, &store, &mut last, "deploy elsewhere").await;
    assert_eq!(store.list_deployments(&api_id).await.unwrap().len(), 2);
    assert_ne!(
        store
            .get_stage(&api_id, "prod")
            .await
            .unwrap()
            .deployment_id,
        deployment.id
    );

    // Reads and failed writes leave it alone.
    store.list_apis().await.unwrap();
    store.all_stages().await.unwrap();
    assert!(store.create_api(&def).await.is_err());
    assert!(store.delete_stage(&api_id, "nope").await.is_err());
    assert_eq!(store.revision().await.unwrap(), last);

    store.delete_api(&api_id).await.unwrap();
    grew(&store, &other, &mut last, "delete_api").await;
}

/// Definitions are cached per connection; a write through another connection (another process)
/// must be seen by the next read and the next edit here, never overwritten by a stale copy.
#[tokio::test]
async fn edits_see_writes_made_through_other_connections() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let other = open(&dir);
    let def = deployable("pets");
    let api_id = def.rest_api.id.clone();
    store.create_api(&def).await.unwrap();

    let rename = |name: &'static str| {
        move |d: &mut ApiDefinition| {
            d.rest_api.description = Some(name.to_owned());
            Ok(())
        }
    };
    let add_child = |part: &'static str| {
        move |d: &mut ApiDefinition| {
            let root = d.root().expect("root").clone();
            d.resources.push(Resource::child(&root, part));
            Ok(())
        }
    };
    // Both connections read (and cache) the definition.
    assert_eq!(store.api_definition(&api_id).await.unwrap(), def);
    assert_eq!(other.api_definition(&api_id).await.unwrap(), def);

    store.edit_api(&api_id, add_child("here")).await.unwrap();
    other.edit_api(&api_id, add_child("there")).await.unwrap();
    store
        .edit_api(&api_id, rename("edited here"))
        .await
        .unwrap();

    for (who, s) in [("store", &store), ("other", &other)] {
        let now = s.api_definition(&api_id).await.unwrap();
        let paths: Vec<&str> = now.resources.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/", "/pets", "/pets/{id}", "/here", "/there"],
            "{who}"
        );
        assert_eq!(
            now.rest_api.description.as_deref(),
            Some("edited here"),
            "{who}"
        );
    }

    // A deleted API is gone for the connection that had it cached.
    other.delete_api(&api_id).await.unwrap();
    assert!(matches!(
        store.api_definition(&api_id).await,
        Err(StoreError::ApiNotFound(_))
    ));
    assert!(matches!(
        store.edit_api(&api_id, rename("again")).await,
        Err(StoreError::ApiNotFound(_))
    ));
}

#[tokio::test]
async fn concurrent_writers_on_one_file_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let a = open(&dir);
    let b = open(&dir);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let def = deployable(&format!("api{i}"));
            store.create_api(&def).await?;
            store.deploy(&def.rest_api.id, &request("prod")).await?;
            Ok::<_, StoreError>(())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(a.list_apis().await.unwrap().len(), 20);
    assert_eq!(b.all_stages().await.unwrap().len(), 20);
    assert_eq!(a.revision().await.unwrap(), 40);
}

#[tokio::test]
async fn stages_need_their_api_and_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let def = deployable("pets");
    let api_id = def.rest_api.id.clone();
    store.create_api(&def).await.unwrap();
    let (deployment, _) = store.deploy(&api_id, &request("prod")).await.unwrap();

    let orphan = Stage::new("dev", "nope00");
    let err = store.put_stage(&api_id, &orphan).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::DeploymentNotFound { deployment_id, .. } if deployment_id == "nope00"),
        "{err:?}"
    );
    let good = Stage::new("dev", deployment.id.clone());
    assert!(matches!(
        store.put_stage("nosuchapi0", &good).await,
        Err(StoreError::ApiNotFound(_))
    ));
    let mut canary = good.clone();
    canary.canary_settings = Some(CanarySettings {
        deployment_id: Some("nope00".to_owned()),
        percent_traffic: 10.0,
        stage_variable_overrides: BTreeMap::new(),
        use_stage_cache: false,
    });
    assert!(matches!(
        store.put_stage(&api_id, &canary).await,
        Err(StoreError::BadRequest(_))
    ));
    let bad_name = Stage::new("no/slashes", deployment.id.clone());
    assert!(matches!(
        store.put_stage(&api_id, &bad_name).await,
        Err(StoreError::BadRequest(_))
    ));
    assert_eq!(store.list_stages(&api_id).await.unwrap().len(), 1);

    store.put_stage(&api_id, &good).await.unwrap();
    let names: Vec<String> = store
        .list_stages(&api_id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.stage_name)
        .collect();
    assert_eq!(names, ["dev", "prod"]);
    store.delete_stage(&api_id, "dev").await.unwrap();
    assert!(matches!(
        store.delete_stage(&api_id, "dev").await,
        Err(StoreError::StageNotFound { .. })
    ));
    assert!(matches!(
        store.delete_stage("nosuchapi0", "dev").await,
        Err(StoreError::ApiNotFound(_))
    ));
    assert!(matches!(
        store.list_stages("nosuchapi0").await,
        Err(StoreError::ApiNotFound(_))
    ));
    assert!(matches!(
        store.list_deployments("nosuchapi0").await,
        Err(StoreError::ApiNotFound(_))
    ));
}

#[tokio::test]
async fn delete_api_removes_everything_of_that_api_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let doomed = deployable("doomed");
    let kept = deployable("kept");
    for def in [&doomed, &kept] {
        store.create_api(def).await.unwrap();
        store
            .deploy(&def.rest_api.id, &request("prod"))
            .await
            .unwrap();
        store
            .deploy(&def.rest_api.id, &request("dev"))
            .await
            .unwrap();
    }
    let before = row_counts(store.path());
    store.delete_api(&doomed.rest_api.id).await.unwrap();
    let after = row_counts(store.path());
    for (table, n) in &after {
        assert_eq!(
            *n * 2,
            before[table],
            "{table}: half the rows should be gone"
        );
    }
    assert_eq!(store.api_definition(&kept.rest_api.id).await.unwrap(), kept);
    let stages = store.all_stages().await.unwrap();
    assert_eq!(stages.len(), 2);
    assert!(stages.iter().all(|(id, _)| *id == kept.rest_api.id));

    // The id can be used again, from scratch.
    store.create_api(&doomed).await.unwrap();
    assert!(
        store
            .list_deployments(&doomed.rest_api.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_failing_write_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);

    // A duplicate resource id violates the primary key after the API row and the first
    // resources went in: all of it must be rolled back.
    let mut def = deployable("dup");
    let mut dup = def.resources[1].clone();
    dup.path_part = Some("other".to_owned());
    dup.path = "/other".to_owned();
    def.resources.push(dup);
    let err = store.create_api(&def).await.unwrap_err();
    assert!(matches!(err, StoreError::BadRequest(_)), "{err:?}");
    assert!(matches!(
        store.get_api(&def.rest_api.id).await,
        Err(StoreError::ApiNotFound(_))
    ));
    assert!(row_counts(store.path()).values().all(|n| *n == 0));
    assert_eq!(store.revision().await.unwrap(), 0);

    // The same on replace: the previous definition stays whole.
    let good = deployable("good");
    store.create_api(&good).await.unwrap();
    let revision = store.revision().await.unwrap();
    let mut bad = good.clone();
    bad.models.push(bad.models[0].clone());
    let err = store.replace_api(&bad).await.unwrap_err();
    assert!(matches!(err, StoreError::BadRequest(_)), "{err:?}");
    assert_eq!(store.api_definition(&good.rest_api.id).await.unwrap(), good);
    assert_eq!(store.revision().await.unwrap(), revision);
}

#[tokio::test]
async fn a_panic_on_the_connection_does_not_break_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let def = deployable("pets");
    let result: Result<(), StoreError> = store
        .with_conn(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend("test"))?;
            tx.execute("UPDATE meta SET revision = 1000", [])
                .map_err(backend("test"))?;
            panic!("boom");
        })
        .await;
    assert!(matches!(result, Err(StoreError::Backend(_))), "{result:?}");
    assert_eq!(
        store.revision().await.unwrap(),
        0,
        "the panicking write was rolled back"
    );
    store.create_api(&def).await.unwrap();
    assert_eq!(store.revision().await.unwrap(), 1);
}

mod migration {
    use super::*;

    fn user_version(path: &Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[tokio::test]
    async fn a_new_file_gets_the_latest_schema_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        assert!(store.path().exists(), "parent directories are created");
        assert_eq!(
            user_version(store.path()),
            i64::from(SqliteStore::schema_version())
        );
        let conn = Connection::open(store.path()).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[tokio::test]
    async fn reopening_a_migrated_file_is_a_no_op() {
        let dir = tempfile::tempdir().unwrap();
        let def = deployable("pets");
        {
            let store = open(&dir);
            store.create_api(&def).await.unwrap();
        }
        let path = db_path(&dir);
        let schema = |p: &Path| -> Vec<String> {
            let conn = Connection::open(p).unwrap();
            let mut stmt = conn
                .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
                .unwrap();
            stmt.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let before = schema(&path);
        let version = user_version(&path);
        for _ in 0..2 {
            let store = open(&dir);
            assert_eq!(store.revision().await.unwrap(), 1);
            assert_eq!(store.api_definition(&def.rest_api.id).await.unwrap(), def);
        }
        assert_eq!(schema(&path), before);
        assert_eq!(user_version(&path), version);
    }

    #[tokio::test]
    async fn a_file_from_a_newer_tollgate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(&dir));
        let path = db_path(&dir);
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = SqliteStore::open(&path).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
        assert!(text.contains("99") && text.contains("newer"), "{text}");
        assert_eq!(user_version(&path), 99, "left untouched");
    }

    #[tokio::test]
    async fn migrations_apply_in_order_and_a_failing_one_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(&dir);
        let v1 = migrations::MIGRATIONS[0];
        let broken = [
            v1,
            "CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (1);",
            "CREATE TABLE half (x INTEGER); THIS IS NOT SQL;",
        ];
        let err = SqliteStore::open_with_migrations(&path, &broken).unwrap_err();
        assert!(err.to_string().contains("migration 3"), "{err}");
        assert_eq!(user_version(&path), 2, "the first two were applied");
        let conn = Connection::open(&path).unwrap();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE name IN ('extra', 'half')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(tables, ["extra"], "the failed script left nothing behind");

        // Fixing the script and reopening continues where it stopped.
        let fixed = [broken[0], broken[1], "CREATE TABLE half (x INTEGER);"];
        SqliteStore::open_with_migrations(&path, &fixed).unwrap();
        assert_eq!(user_version(&path), 3);
        // A file from a newer build (more versions than this one knows) is refused.
        let mut newer = fixed.to_vec();
        while newer.len() <= migrations::latest_version() as usize {
            newer.push("SELECT 1;");
        }
        SqliteStore::open_with_migrations(&path, &newer).unwrap();
        assert!(SqliteStore::open(&path).is_err());
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.db");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let err = SqliteStore::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
        assert!(err.to_string().contains("junk.db"), "{err}");
    }
}

#[tokio::test]
async fn domain_names_and_base_path_mappings() {
    use tollgate_model::{BasePathMapping, DomainName};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let def = deployable("pets");
    store.create_api(&def).await.expect("create");
    let mapping = BasePathMapping {
        base_path: "v1".to_owned(),
        rest_api_id: def.rest_api.id.clone(),
        stage: Some("prod".to_owned()),
    };
    assert!(matches!(
        store
            .put_base_path_mapping("api.example.test", &mapping)
            .await,
        Err(StoreError::DomainNotFound(_))
    ));
    let before = store.revision().await.expect("revision");
    store
        .put_domain_name(&DomainName::new("api.example.test"))
        .await
        .expect("domain");
    store
        .put_base_path_mapping("api.example.test", &mapping)
        .await
        .expect("mapping");
    assert!(store.revision().await.expect("revision") >= before + 2);
    let unknown_api = BasePathMapping {
        rest_api_id: "nosuchapi0".to_owned(),
        ..mapping.clone()
    };
    assert!(matches!(
        store
            .put_base_path_mapping("api.example.test", &unknown_api)
            .await,
        Err(StoreError::ApiNotFound(_))
    ));
    assert_eq!(
        store.all_base_path_mappings().await.expect("list"),
        vec![("api.example.test".to_owned(), mapping.clone())]
    );
    // Deleting the API removes its mappings; the domain stays.
    store
        .delete_api(&def.rest_api.id)
        .await
        .expect("delete api");
    assert!(
        store
            .all_base_path_mappings()
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(store.list_domain_names().await.expect("domains").len(), 1);
    store
        .delete_domain_name("api.example.test")
        .await
        .expect("delete domain");
    assert!(matches!(
        store.delete_domain_name("api.example.test").await,
        Err(StoreError::DomainNotFound(_))
    ));
}

#[tokio::test]
async fn domain_names_are_created_once_read_updated_and_listed() {
    use tollgate_model::DomainName;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let mut domain = DomainName::new("api.example.test");
    domain.certificate_arn = Some("arn:aws:acm:us-east-1:000000000000:certificate/x".to_owned());
    let before = store.revision().await.expect("revision");
    store.create_domain_name(&domain).await.expect("create");
    assert!(store.revision().await.expect("revision") > before);
    match store.create_domain_name(&domain).await {
        Err(StoreError::Conflict(m)) => {
            assert_eq!(m, "The domain name you provided already exists.")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store
            .get_domain_name("api.example.test")
            .await
            .expect("get"),
        domain
    );
    domain.security_policy = Some("TLS_1_0".to_owned());
    store.update_domain_name(&domain).await.expect("update");
    assert_eq!(
        store
            .get_domain_name("api.example.test")
            .await
            .expect("get"),
        domain
    );
    let unknown = DomainName::new("other.example.test");
    assert!(matches!(
        store.update_domain_name(&unknown).await,
        Err(StoreError::DomainNotFound(_))
    ));
    let err = store
        .get_domain_name("other.example.test")
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Invalid domain name identifier specified");
    assert_eq!(store.list_domain_names().await.expect("list"), vec![domain]);
}

#[tokio::test]
async fn base_path_mappings_are_checked_moved_and_deleted() {
    use tollgate_model::{BasePathMapping, DomainName};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let def = deployable("pets");
    let api = def.rest_api.id.clone();
    store.create_api(&def).await.expect("create");
    let request = DeployRequest {
        stage_name: "prod".to_owned(),
        ..Default::default()
    };
    store.deploy(&api, &request).await.expect("deploy");
    let d = "api.example.test";
    let mapping = |base: &str, stage: Option<&str>| BasePathMapping {
        base_path: base.to_owned(),
        rest_api_id: api.clone(),
        stage: stage.map(str::to_owned),
    };
    let v1 = mapping("v1", Some("prod"));
    assert!(matches!(
        store.create_base_path_mapping(d, &v1).await,
        Err(StoreError::DomainNotFound(_))
    ));
    assert!(matches!(
        store.list_base_path_mappings(d).await,
        Err(StoreError::DomainNotFound(_))
    ));
    store
        .create_domain_name(&DomainName::new(d))
        .await
        .expect("domain");
    store.create_base_path_mapping(d, &v1).await.expect("v1");
    match store.create_base_path_mapping(d, &v1).await {
        Err(StoreError::Conflict(m)) => {
            assert_eq!(m, "Base path already exists for this domain name")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store
            .create_base_path_mapping(d, &mapping("v2", Some("beta")))
            .await,
        Err(StoreError::StageNotFound { .. })
    ));
    let no_api = BasePathMapping {
        rest_api_id: "nosuchapi0".to_owned(),
        ..mapping("v2", None)
    };
    assert!(matches!(
        store.create_base_path_mapping(d, &no_api).await,
        Err(StoreError::ApiNotFound(_))
    ));
    let none = mapping(BasePathMapping::NONE, None);
    store
        .create_base_path_mapping(d, &none)
        .await
        .expect("(none)");
    assert_eq!(
        store.list_base_path_mappings(d).await.expect("list"),
        vec![none.clone(), v1.clone()]
    );
    assert_eq!(store.get_base_path_mapping(d, "v1").await.expect("get"), v1);
    assert!(matches!(
        store.get_base_path_mapping(d, "v9").await,
        Err(StoreError::BasePathMappingNotFound { .. })
    ));

    // Moving a mapping: onto a taken base path is refused, onto a free one moves it.
    let revision = store.revision().await.expect("revision");
    assert!(matches!(
        store
            .update_base_path_mapping(d, "v1", &mapping(BasePathMapping::NONE, Some("prod")))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let v3 = mapping("v3", Some("prod"));
    store
        .update_base_path_mapping(d, "v1", &v3)
        .await
        .expect("moved");
    assert!(store.revision().await.expect("revision") > revision);
    assert_eq!(
        store.list_base_path_mappings(d).await.expect("list"),
        vec![none.clone(), v3.clone()]
    );
    assert!(matches!(
        store.update_base_path_mapping(d, "v1", &v3).await,
        Err(StoreError::BasePathMappingNotFound { .. })
    ));
    assert!(matches!(
        store
            .update_base_path_mapping(d, "v3", &mapping("v3", Some("beta")))
            .await,
        Err(StoreError::StageNotFound { .. })
    ));
    store
        .update_base_path_mapping(d, "v3", &mapping("v3", None))
        .await
        .expect("stage dropped");

    store
        .delete_base_path_mapping(d, "v3")
        .await
        .expect("delete");
    assert!(matches!(
        store.delete_base_path_mapping(d, "v3").await,
        Err(StoreError::BasePathMappingNotFound { .. })
    ));
    assert!(matches!(
        store.delete_base_path_mapping("nowhere.test", "v3").await,
        Err(StoreError::DomainNotFound(_))
    ));
    // Deleting the domain deletes its mappings.
    store.delete_domain_name(d).await.expect("delete domain");
    assert!(
        store
            .all_base_path_mappings()
            .await
            .expect("all")
            .is_empty()
    );
}

#[tokio::test]
async fn client_certificates_keep_their_keys_apart() {
    use tollgate_model::ClientCertificate;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let mut cert = ClientCertificate {
        client_certificate_id: "abc123".to_owned(),
        description: Some("first".to_owned()),
        pem_encoded_certificate: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n"
            .to_owned(),
        created_date: 1_700_000_000,
        expiration_date: 1_731_536_000,
        tags: BTreeMap::from([("team".to_owned(), "a".to_owned())]),
    };
    let revision = store.revision().await.expect("revision");
    store
        .create_client_certificate(&cert, "PRIVATE KEY PEM")
        .await
        .expect("create");
    assert_eq!(store.revision().await.expect("revision"), revision);
    assert!(matches!(
        store.create_client_certificate(&cert, "other").await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.get_client_certificate("abc123").await.expect("get"),
        cert
    );
    cert.description = None;
    store
        .update_client_certificate(&cert)
        .await
        .expect("update");
    assert_eq!(
        store.list_client_certificates().await.expect("list"),
        vec![cert.clone()]
    );
    assert_eq!(
        store
            .client_certificate_private_key("abc123")
            .await
            .expect("key"),
        "PRIVATE KEY PEM",
        "an update keeps the key"
    );
    store
        .delete_client_certificate("abc123")
        .await
        .expect("delete");
    for err in [
        store.get_client_certificate("abc123").await.unwrap_err(),
        store
            .client_certificate_private_key("abc123")
            .await
            .unwrap_err(),
        store.update_client_certificate(&cert).await.unwrap_err(),
        store.delete_client_certificate("abc123").await.unwrap_err(),
    ] {
        assert_eq!(
            err.to_string(),
            "Invalid Client Certificate identifier specified"
        );
    }
}

#[tokio::test]
async fn vpc_links_are_stored_updated_and_deleted() {
    use tollgate_model::VpcLink;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let mut link = VpcLink {
        id: "vl0001".to_owned(),
        name: "nlb".to_owned(),
        description: None,
        target_arns: vec![
            "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/a/b".to_owned(),
        ],
        status: "AVAILABLE".to_owned(),
        status_message: Some("ready".to_owned()),
        tags: BTreeMap::new(),
    };
    let second = VpcLink {
        id: "vl0002".to_owned(),
        ..link.clone()
    };
    store.create_vpc_link(&link).await.expect("create");
    store.create_vpc_link(&second).await.expect("create");
    assert!(matches!(
        store.create_vpc_link(&link).await,
        Err(StoreError::Conflict(_))
    ));
    link.name = "renamed".to_owned();
    store.update_vpc_link(&link).await.expect("update");
    assert_eq!(store.get_vpc_link("vl0001").await.expect("get"), link);
    assert_eq!(
        store.list_vpc_links().await.expect("list"),
        vec![link.clone(), second],
        "oldest first"
    );
    store.delete_vpc_link("vl0001").await.expect("delete");
    for err in [
        store.get_vpc_link("vl0001").await.unwrap_err(),
        store.update_vpc_link(&link).await.unwrap_err(),
        store.delete_vpc_link("vl0001").await.unwrap_err(),
    ] {
        assert_eq!(err.to_string(), "Invalid Vpc Link identifier specified");
    }
}

#[tokio::test]
async fn functions_are_stored_replaced_and_deleted() {
    use tollgate_model::{FunctionDefinition, RemoteFunction};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let mut f = FunctionDefinition {
        function_name: "pets".to_owned(),
        runtime: "python3.11".to_owned(),
        handler: Some("app.handler".to_owned()),
        code_uri: "/srv/pets".to_owned(),
        environment: [("TABLE".to_owned(), "pets".to_owned())].into(),
        timeout: 3,
        memory_size: 128,
        reserved_concurrent_executions: 10,
        remote: None,
        source: Some("cli".to_owned()),
        last_modified: 1,
    };
    let before = store.revision().await.expect("revision");
    store.put_function(&f).await.expect("put");
    assert!(store.revision().await.expect("revision") > before);
    assert_eq!(store.get_function("pets").await.expect("get"), f);
    f.remote = Some(RemoteFunction {
        endpoint: "http://127.0.0.1:9001".to_owned(),
        function_name: "pets-prod".to_owned(),
        region: None,
    });
    store.put_function(&f).await.expect("replace");
    // A second handle on the same file (another process) sees it.
    let other = open(&dir);
    assert_eq!(other.list_functions().await.expect("list"), vec![f.clone()]);
    store.delete_function("pets").await.expect("delete");
    let missing = store.get_function("pets").await.unwrap_err();
    assert_eq!(
        missing.to_string(),
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:pets"
    );
    assert!(matches!(
        store.delete_function("pets").await,
        Err(StoreError::FunctionNotFound(_))
    ));
}

#[tokio::test]
async fn api_keys_usage_plans_and_usage() {
    use tollgate_model::{ApiKey, ApiStage, QuotaPeriod, QuotaSettings, UsagePlan, UsageRecord};
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let def = deployable("pets");
    store.create_api(&def).await.expect("create");
    let api = def.rest_api.id.clone();
    store.deploy(&api, &request("prod")).await.expect("deploy");
    let key = |id: &str, value: &str| ApiKey {
        id: id.to_owned(),
        value: value.to_owned(),
        name: id.to_owned(),
        customer_id: None,
        description: None,
        enabled: true,
        created_date: 1,
        last_updated_date: 1,
        stage_keys: Vec::new(),
        tags: Default::default(),
    };
    store
        .create_api_key(&key("k1", "aaaaaaaaaaaaaaaaaaaaaaaa"))
        .await
        .expect("key");
    // Same value twice: refused, nothing stored.
    assert!(matches!(
        store
            .create_api_key(&key("k2", "aaaaaaaaaaaaaaaaaaaaaaaa"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    store
        .create_api_key(&key("k2", "bbbbbbbbbbbbbbbbbbbbbbbb"))
        .await
        .expect("key 2");
    let plan = |id: &str, stage: &str| UsagePlan {
        id: id.to_owned(),
        name: id.to_owned(),
        description: None,
        api_stages: vec![ApiStage {
            api_id: api.clone(),
            stage: stage.to_owned(),
            throttle: Default::default(),
        }],
        throttle: None,
        quota: Some(QuotaSettings {
            limit: 100,
            offset: 0,
            period: QuotaPeriod::Day,
        }),
        product_code: None,
        tags: Default::default(),
    };
    let unknown_stage = store.put_usage_plan(&plan("p0", "nope")).await.unwrap_err();
    assert!(
        unknown_stage.to_string().contains("Invalid API Stage"),
        "{unknown_stage}"
    );
    store
        .put_usage_plan(&plan("p1", "prod"))
        .await
        .expect("plan");
    store
        .put_usage_plan(&plan("p2", "prod"))
        .await
        .expect("plan 2");
    store.add_usage_plan_key("p1", "k1").await.expect("member");
    // One plan per stage per key.
    let twice = store.add_usage_plan_key("p2", "k1").await.unwrap_err();
    assert!(matches!(twice, StoreError::Conflict(_)), "{twice}");
    assert!(matches!(
        store.add_usage_plan_key("p1", "zz").await,
        Err(StoreError::ApiKeyNotFound(_))
    ));
    store
        .add_usage_plan_key("p2", "k2")
        .await
        .expect("member 2");
    assert_eq!(
        store.all_usage_plan_keys().await.unwrap(),
        [
            ("p1".to_owned(), "k1".to_owned()),
            ("p2".to_owned(), "k2".to_owned())
        ]
    );

    // Usage adds up and does not move the revision.
    let before = store.revision().await.unwrap();
    let rec = |day: &str, used| UsageRecord {
        plan_id: "p1".into(),
        key_id: "k1".into(),
        day: day.into(),
        used,
    };
    store
        .record_usage(&[rec("2026-11-24", 3), rec("2026-11-25", 2)])
        .await
        .unwrap();
    store.record_usage(&[rec("2026-11-25", 5)]).await.unwrap();
    assert_eq!(store.revision().await.unwrap(), before);
    assert_eq!(
        store
            .usage("p1", Some("k1"), "2026-11-25", "2026-11-30")
            .await
            .unwrap(),
        [rec("2026-11-25", 7)]
    );
    // Deleting a key removes its memberships.
    store.delete_api_key("k1").await.unwrap();
    assert_eq!(
        store.all_usage_plan_keys().await.unwrap(),
        [("p2".to_owned(), "k2".to_owned())]
    );
    assert!(matches!(
        store.get_api_key("k1").await,
        Err(StoreError::ApiKeyNotFound(_))
    ));
    store.delete_usage_plan("p2").await.unwrap();
    assert!(store.all_usage_plan_keys().await.unwrap().is_empty());
}

#[tokio::test]
async fn edit_api_writes_what_changed_and_nothing_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let def = deployable("edited");
    let api_id = def.rest_api.id.clone();
    store.create_api(&def).await.unwrap();
    let revision = store.revision().await.unwrap();

    // Add a child of /pets, rename the API, drop the validator, rename a model.
    let added = store
        .edit_api(&api_id, |d| {
            let pets = d
                .resources
                .iter()
                .find(|r| r.path == "/pets")
                .unwrap()
                .clone();
            let toys = Resource::child(&pets, "toys");
            d.resources.push(toys.clone());
            d.rest_api.name = "renamed".to_owned();
            d.request_validators.clear();
            d.models[0].name = "Nothing".to_owned();
            Ok(toys)
        })
        .await
        .unwrap();
    let now = store.api_definition(&api_id).await.unwrap();
    assert_eq!(now.rest_api.name, "renamed");
    assert!(now.resources.contains(&added));
    assert!(now.request_validators.is_empty());
    assert_eq!(now.models[0].name, "Nothing");
    assert_eq!(now.resources.len(), def.resources.len() + 1);
    assert!(store.revision().await.unwrap() > revision);
    assert_eq!(row_counts(&db_path(&dir))["resources"], 4);
    assert_eq!(row_counts(&db_path(&dir))["request_validators"], 0);

    // An edit that fails, or leaves an invalid definition, changes nothing.
    let e = store
        .edit_api(&api_id, |d| {
            d.resources.clear();
            Err::<(), _>(StoreError::BadRequest("no".into()))
        })
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::BadRequest(m) if m == "no"));
    let e = store
        .edit_api(&api_id, |d| {
            let root = d.root().unwrap().clone();
            d.resources.push(Resource::child(&root, "pets"));
            Ok(())
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::BadRequest(m) if m.contains("Another resource with the same parent already has this name: pets")),
        "{e:?}"
    );
    let e = store
        .edit_api(&api_id, |d| {
            let copy = d.models[0].clone();
            d.models.push(tollgate_model::Model {
                id: "other1".into(),
                ..copy
            });
            Ok(())
        })
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict(_) | StoreError::BadRequest(_)),
        "{e:?}"
    );
    assert_eq!(store.api_definition(&api_id).await.unwrap(), now);

    // An unchanged edit writes nothing.
    let revision = store.revision().await.unwrap();
    store.edit_api(&api_id, |_| Ok(())).await.unwrap();
    assert_eq!(store.revision().await.unwrap(), revision);
    let e = store.edit_api("nope", |_| Ok(())).await.unwrap_err();
    assert!(matches!(e, StoreError::ApiNotFound(_)), "{e:?}");
}

#[tokio::test]
async fn create_stage_refuses_taken_names_and_unknown_deployments() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let def = deployable("stages");
    let api_id = def.rest_api.id.clone();
    store.create_api(&def).await.unwrap();
    let (deployment, _) = store
        .create_deployment(&api_id, &request(""))
        .await
        .unwrap();

    let mut dev = Stage::new("dev", deployment.id.clone());
    dev.description = Some("made by hand".to_owned());
    store.create_stage(&api_id, &dev).await.unwrap();
    assert_eq!(store.get_stage(&api_id, "dev").await.unwrap(), dev);

    let e = store.create_stage(&api_id, &dev).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(m) if m == "Stage already exists"),
        "{e:?}"
    );
    let e = store
        .create_stage(&api_id, &Stage::new("qa", "nope00"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::BadRequest(m) if m == "Deployment id does not exist"),
        "{e:?}"
    );
    let mut canary = Stage::new("qa", deployment.id.clone());
    canary.canary_settings = Some(CanarySettings::on("nope00"));
    let e = store.create_stage(&api_id, &canary).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::BadRequest(m) if m == "Deployment id does not exist"),
        "{e:?}"
    );
    let e = store
        .create_stage("nosuchapi0", &Stage::new("qa", deployment.id.clone()))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::ApiNotFound(_)), "{e:?}");
    assert_eq!(store.list_stages(&api_id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn edit_stage_is_one_transaction_that_checks_deployments() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let def = deployable("edits");
    let api_id = def.rest_api.id.clone();
    store.create_api(&def).await.unwrap();
    let (first, _) = store.deploy(&api_id, &request("prod")).await.unwrap();
    let (second, before) = store.deploy(&api_id, &request("prod")).await.unwrap();
    let revision = store.revision().await.unwrap();

    // A rollback chosen from the deployments the edit sees.
    let (seen, stage) = store
        .edit_stage(&api_id, "prod", |stage, deployments| {
            let ids: Vec<String> = deployments.iter().map(|d| d.id.clone()).collect();
            stage.deployment_id = deployments[0].id.clone();
            stage.variables.insert("v".to_owned(), "1".to_owned());
            Ok(ids)
        })
        .await
        .unwrap();
    assert_eq!(seen, [first.id.clone(), second.id.clone()]);
    assert_eq!(stage.deployment_id, first.id);
    assert_eq!(stage.created_date, before.created_date);
    assert!(stage.last_updated_date >= before.last_updated_date);
    assert_eq!(store.get_stage(&api_id, "prod").await.unwrap(), stage);
    assert!(store.revision().await.unwrap() > revision);

    // A failing edit, an unknown deployment (the stage's or its canary's) or a new name change
    // nothing.
    let e = store
        .edit_stage(&api_id, "prod", |stage, _| {
            stage.variables.clear();
            Err::<(), _>(StoreError::BadRequest("no".to_owned()))
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::BadRequest(m) if m == "no"),
        "{e:?}"
    );
    let e = store
        .edit_stage(&api_id, "prod", |stage, _| {
            stage.deployment_id = "nope00".to_owned();
            Ok(())
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::BadRequest(m) if m == "Deployment id does not exist"),
        "{e:?}"
    );
    let e = store
        .edit_stage(&api_id, "prod", |stage, _| {
            stage.canary_settings = Some(CanarySettings::on("nope00"));
            Ok(())
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::BadRequest(m) if m == "Deployment id does not exist"),
        "{e:?}"
    );
    let e = store
        .edit_stage(&api_id, "prod", |stage, _| {
            stage.stage_name = "other".to_owned();
            Ok(())
        })
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::BadRequest(_)), "{e:?}");
    assert_eq!(store.get_stage(&api_id, "prod").await.unwrap(), stage);
    assert_eq!(store.list_stages(&api_id).await.unwrap().len(), 1);

    let e = store
        .edit_stage(&api_id, "dev", |_, _| Ok(()))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::StageNotFound { .. }), "{e:?}");
    let e = store
        .edit_stage("nosuchapi0", "prod", |_, _| Ok(()))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::ApiNotFound(_)), "{e:?}");

    // Concurrent edits are serialised: none is lost.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let api_id = api_id.clone();
        tasks.push(tokio::spawn(async move {
            store
                .edit_stage(&api_id, "prod", move |stage, _| {
                    stage.variables.insert(format!("k{i}"), i.to_string());
                    Ok(())
                })
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let stage = store.get_stage(&api_id, "prod").await.unwrap();
    assert_eq!(stage.variables.len(), 9, "{:?}", stage.variables);
}

#[tokio::test]
async fn canary_deployments_and_what_they_protect() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let def = deployable("canary");
    let api_id = def.rest_api.id.clone();
    store.create_api(&def).await.unwrap();

    let canary = |percent: f64| DeployRequest {
        stage_name: "prod".to_owned(),
        canary: Some(CanarySettings {
            deployment_id: Some("ignored".to_owned()),
            percent_traffic: percent,
            stage_variable_overrides: BTreeMap::from([("v".to_owned(), "canary".to_owned())]),
            use_stage_cache: false,
        }),
        ..DeployRequest::default()
    };
    let e = store.deploy(&api_id, &canary(10.0)).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::BadRequest(m) if m == "Invalid deployment content specified.Stage prod must already be created before making a canary release deployment"),
        "{e:?}"
    );
    let mut no_stage = canary(10.0);
    no_stage.stage_name.clear();
    let e = store
        .create_deployment(&api_id, &no_stage)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::BadRequest(m) if m.starts_with("Invalid deployment content specified.Non null and non empty stageName")),
        "{e:?}"
    );
    assert!(store.list_deployments(&api_id).await.unwrap().is_empty());

    let with_cache = DeployRequest {
        stage_name: "prod".to_owned(),
        cache_cluster_enabled: Some(true),
        tracing_enabled: Some(true),
        ..DeployRequest::default()
    };
    let (production, stage) = store.deploy(&api_id, &with_cache).await.unwrap();
    assert!(stage.cache_cluster_enabled && stage.tracing_enabled);
    assert_eq!(stage.cache_cluster_size.as_deref(), Some("0.5"));
    assert_eq!(stage.cache_cluster_status, "AVAILABLE");

    let (candidate, stage) = store.deploy(&api_id, &canary(25.0)).await.unwrap();
    assert_eq!(stage.deployment_id, production.id, "production stays");
    let settings = stage.canary_settings.clone().expect("a canary");
    assert_eq!(
        settings.deployment_id.as_deref(),
        Some(candidate.id.as_str())
    );
    assert_eq!(settings.percent_traffic, 25.0);
    assert_eq!(settings.stage_variable_overrides["v"], "canary");

    // A plain deployment would bypass the canary: refused, as AWS does.
    let e = store.deploy(&api_id, &request("prod")).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::BadRequest(m) if m == "Invalid deployment content specified.Non canary deployment not supported on stage prod because Canary is enabled. Provide CanarySettings in deploymentInput."),
        "{e:?}"
    );
    let e = store
        .delete_deployment(&api_id, &candidate.id)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::BadRequest(m) if m == "Active stages with canary settings pointing to this deployment must be moved or deleted"),
        "{e:?}"
    );
    store
        .edit_stage(&api_id, "prod", |stage, _| {
            stage.canary_settings = None;
            Ok(())
        })
        .await
        .unwrap();
    store
        .delete_deployment(&api_id, &candidate.id)
        .await
        .unwrap();
}

#[tokio::test]
async fn deployment_descriptions_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let def = deployable("described");
    let api_id = def.rest_api.id.clone();
    store.create_api(&def).await.unwrap();
    let (d, _) = store.deploy(&api_id, &request("prod")).await.unwrap();
    let changed = store
        .set_deployment_description(&api_id, &d.id, Some("v2".to_owned()))
        .await
        .unwrap();
    assert_eq!(changed.description.as_deref(), Some("v2"));
    assert_eq!(changed.created_date, d.created_date);
    assert_eq!(
        store.get_deployment(&api_id, &d.id).await.unwrap().0,
        changed
    );
    let e = store
        .set_deployment_description(&api_id, "nope00", None)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::DeploymentNotFound { .. }), "{e:?}");
    let e = store
        .set_deployment_description("nosuchapi0", &d.id, None)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::ApiNotFound(_)), "{e:?}");
}
