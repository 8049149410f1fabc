//! `tollgate serve`: import and deploy `--api` files, compile every stage, listen, and shut down
//! gracefully on SIGTERM/SIGINT.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tollgate_engine::{Gateway, Upstream};
use tollgate_store::{SqliteStore, Store};

use crate::cli::{AdminAuth, ServeArgs};
use crate::commands::{
    deploy_to_stage, invoke_urls, open_store, print_diagnostics, read_definition, refused,
    urls_base,
};
use crate::functions::HostFunctions;
use crate::listener::{self, DataPlane, Management};
use crate::reload::{FunctionSync, Reloader};
use tollgate_lambda::FunctionHost;

/// Tag that ties an API to the file `serve --api` imported it from, so that a restart updates
/// the same API (same id, same URLs) instead of creating another.
const SOURCE_TAG: &str = "tollgate:source";

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    crate::logging::init(args.log_format);
    // One worker: a current-thread runtime has no work-stealing machinery to pay for.
    let mut runtime = match args.workers {
        Some(0 | 1) => tokio::runtime::Builder::new_current_thread(),
        Some(n) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n);
            b
        }
        None => tokio::runtime::Builder::new_multi_thread(),
    };
    runtime.enable_all();
    runtime
        .build()
        .context("starting the runtime")?
        .block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let admin_auth = admin_credentials(&args)?;
    // Every address is bound before anything is imported or deployed: a port in use fails the
    // start without changing the store.
    let data = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let data_addr = data.local_addr()?;
    let tls = match args.tls_listen {
        Some(tls_addr) => {
            let listener = TcpListener::bind(tls_addr)
                .await
                .with_context(|| format!("listening on {tls_addr}"))?;
            let config = crate::tls::server_config(
                args.tls_cert.as_deref(),
                args.tls_key.as_deref(),
                &args.store.data_dir,
            )?;
            Some((listener, config))
        }
        None => None,
    };
    let admin = TcpListener::bind(args.admin_listen)
        .await
        .with_context(|| format!("listening on {}", args.admin_listen))?;
    let admin_addr = admin.local_addr()?;
    let store = open_store(&args.store.data_dir)?;
    for file in &args.apis {
        if !import_and_deploy(&store, file, &args.stage).await? {
            return Ok(ExitCode::FAILURE);
        }
    }

    let functions = Arc::new(
        FunctionHost::new(args.store.data_dir.join("functions"))
            .context("preparing the function host's directory")?,
    );
    let mut pinned = std::collections::HashSet::new();
    for spec in &args.remote_functions {
        let function = crate::functions::remote_function(spec)?;
        println!("function {} (remote)", function.name);
        pinned.insert(function.name.clone());
        functions.register(function);
    }
    if args.function_idle_timeout > 0 {
        functions.spawn_idle_reaper(Duration::from_secs(args.function_idle_timeout));
    }
    if let Some(template) = &args.sam {
        let overrides = crate::commands::parse_variables(&args.parameter_overrides)
            .context("--parameter-override")?;
        let work_dir = args.store.data_dir.join("sam");
        if !crate::sam::load_and_deploy(&store, template, overrides, &work_dir).await? {
            return Ok(ExitCode::FAILURE);
        }
    }

    let jwt_options = tollgate_jwt::KeyStoreOptions {
        cognito_endpoint: args.cognito_endpoint.clone(),
        allow_plain_http: args.cognito_endpoint.is_some(),
        ..tollgate_jwt::KeyStoreOptions::default()
    };
    tollgate_engine::access::init_jwt_keys(jwt_options)
        .map_err(anyhow::Error::msg)
        .context("setting up the JWT key cache")?;
    let upstream = Upstream::new().context("setting up TLS for upstream connections")?;
    if !(args.account_rate >= 0.0 && args.account_rate.is_finite()) {
        anyhow::bail!("--account-rate must be a non-negative number");
    }
    let mut gateway = Gateway::new(upstream)
        .with_functions(Arc::new(HostFunctions(functions.clone())))
        .with_account_throttle(args.account_rate, args.account_burst);
    if let Some(file) = &args.clock_offset_file {
        gateway =
            gateway.with_wall_clock(Arc::new(crate::clock::OffsetFileClock::new(file.clone())));
    }
    if let Some(file) = &args.credentials {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let store = tollgate_iam::CredentialStore::from_json(&text)
            .with_context(|| format!("{}: invalid credentials file", file.display()))?;
        println!("{} IAM credentials loaded", store.len());
        gateway = gateway.with_credentials(Arc::new(store));
    }
    let gateway = Arc::new(gateway);
    let mut reloader = Reloader::new(store.clone(), gateway.clone())
        .with_functions(FunctionSync::new(functions.clone(), pinned));
    reloader.reload().await.context("loading deployments")?;
    crate::metering::seed_quotas(&store, &gateway)
        .await
        .context("loading quota usage")?;
    let flusher = tollgate_limits::spawn_flusher(
        gateway.limits().usage.clone(),
        Duration::from_secs(5),
        tollgate_admin::usage::StoreSink(store.clone()),
    );

    let signals = ShutdownSignals::install()?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let churn = Arc::new(crate::memory::ConnectionChurn::default());
    let policy = listener::ConnectionPolicy {
        idle_timeout: Duration::from_secs(args.idle_timeout),
        grace: Duration::from_secs(args.shutdown_grace),
        churn: churn.clone(),
    };
    let mut tasks = Vec::new();
    tasks.push(tokio::spawn(churn.trim_after_waves(shutdown_rx.clone())));

    tasks.push(tokio::spawn(listener::serve(
        data,
        None,
        DataPlane(gateway.clone()),
        shutdown_rx.clone(),
        policy.clone(),
    )));
    if let Some((tls, config)) = tls {
        println!("TLS data plane listening on https://{}", tls.local_addr()?);
        tasks.push(tokio::spawn(listener::serve(
            tls,
            Some(TlsAcceptor::from(config)),
            DataPlane(gateway.clone()),
            shutdown_rx.clone(),
            policy.clone(),
        )));
    }
    tasks.push(tokio::spawn(listener::serve(
        admin,
        None,
        Management {
            functions: functions.clone(),
            auth: admin_auth,
            api: tollgate_admin::ManagementApi::new(store.clone())
                // UpdateUsage reaches the live counters; TestInvokeMethod/TestInvokeAuthorizer
                // run on the data plane's own runtime.
                .with_gateway(gateway.clone())
                .with_account_throttle(tollgate_admin::AccountThrottle {
                    rate: args.account_rate,
                    burst: u64::from(args.account_burst),
                })
                .with_quotas(tollgate_admin::Quotas::with_settings(&args.quotas)),
        },
        shutdown_rx.clone(),
        policy,
    )));
    let watcher = tokio::spawn(reloader.watch(
        Duration::from_millis(args.poll_interval_ms.max(10)),
        shutdown_rx.clone(),
    ));

    print_urls(&store, &gateway, data_addr).await?;
    println!("data plane listening on http://{data_addr}");
    println!("management listening on http://{admin_addr}");
    tracing::info!(
        data = %data_addr,
        admin = %admin_addr,
        startup_ms = started.elapsed().as_millis() as u64,
        "tollgate is serving"
    );

    signals.wait().await;
    tracing::info!("shutting down: no new connections, draining in-flight requests");
    let _ = shutdown_tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
    let _ = watcher.await;
    if let Err(e) = flusher.shutdown().await {
        tracing::error!(error = %e, "usage records could not be stored at shutdown");
    }
    functions.shutdown().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The credentials management calls must be signed with (`None`: no authentication). Refuses an
/// unauthenticated management listener on an address other machines can reach.
fn admin_credentials(
    args: &ServeArgs,
) -> anyhow::Result<Option<Arc<tollgate_iam::CredentialStore>>> {
    match args.admin_auth {
        AdminAuth::None => {
            if !args.admin_listen.ip().is_loopback() {
                anyhow::bail!(
                    "refusing to serve the management API without authentication on {}, which \
                     is not a loopback address: use --admin-auth sigv4 --admin-credentials FILE, \
                     or a loopback --admin-listen",
                    args.admin_listen
                );
            }
            Ok(None)
        }
        AdminAuth::Sigv4 => {
            let file = args.admin_credentials.as_ref().context(
                "--admin-auth sigv4 needs --admin-credentials FILE (the credentials management calls are signed with)",
            )?;
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let store = tollgate_iam::CredentialStore::from_json(&text)
                .with_context(|| format!("{}: invalid credentials file", file.display()))?;
            if store.is_empty() {
                anyhow::bail!("{}: no credentials in the file", file.display());
            }
            Ok(Some(Arc::new(store)))
        }
    }
}

/// Imports `file` and deploys it to `stage`: ImportRestApi the first time, PutRestApi
/// (overwrite) into the same API on later starts, then CreateDeployment. Prints diagnostics;
/// returns false when the file is refused.
async fn import_and_deploy(store: &SqliteStore, file: &Path, stage: &str) -> anyhow::Result<bool> {
    use tollgate_admin::deployments::CreateDeployment;
    use tollgate_admin::restapis::{
        ImportFailure, ImportRestApi, PutMode, PutRestApi, import_rest_api, put_rest_api,
    };
    let document = read_definition(file)?;
    let source = std::fs::canonicalize(file)
        .unwrap_or_else(|_| file.to_owned())
        .display()
        .to_string();
    // A file served before is re-imported into the same API (same id, same URLs): the policy
    // shorthand and model references expand with its id.
    let existing = store
        .list_apis()
        .await?
        .into_iter()
        .find(|a| a.tags.get(SOURCE_TAG) == Some(&source));
    let imported = match existing {
        Some(old) => {
            let request = PutRestApi {
                body: &document,
                mode: PutMode::Overwrite,
                ..PutRestApi::default()
            };
            put_rest_api(store, &old.id, request).await
        }
        None => {
            let request = ImportRestApi {
                body: &document,
                tags: [(SOURCE_TAG.to_owned(), source)].into(),
                ..ImportRestApi::default()
            };
            import_rest_api(store, request).await
        }
    };
    let imported = match imported {
        Ok(i) => i,
        Err(ImportFailure::Document(e)) => {
            print_diagnostics(file, &e.errors, &e.warnings);
            eprintln!("{}: not imported: Invalid OpenAPI input.", file.display());
            return Ok(false);
        }
        Err(ImportFailure::Call(e)) => {
            return Err(refused(e)).with_context(|| format!("importing {}", file.display()));
        }
    };
    print_diagnostics(file, &[], &imported.warnings);
    let request = CreateDeployment {
        stage_name: Some(stage.to_owned()),
        description: Some(format!("tollgate serve --api {}", file.display())),
        ..CreateDeployment::default()
    };
    deploy_to_stage(store, &imported.definition.rest_api.id, request)
        .await
        .with_context(|| format!("deploying {} to stage {stage}", file.display()))?;
    Ok(true)
}

async fn print_urls(
    store: &SqliteStore,
    gateway: &Gateway,
    data_addr: std::net::SocketAddr,
) -> anyhow::Result<()> {
    let table = gateway.table();
    let mut stages: Vec<_> = table.stages().collect();
    stages.sort_by(|a, b| (&a.api_name, &a.stage_name).cmp(&(&b.api_name, &b.stage_name)));
    if stages.is_empty() {
        let apis = store.list_apis().await?.len();
        println!("No deployed stages yet ({apis} APIs stored). Import one with --api FILE.");
    }
    for s in stages {
        let urls = invoke_urls(data_addr, &s.api_id, &s.stage_name);
        println!("{} ({}) stage {}:", s.api_name, s.api_id, s.stage_name);
        for u in urls {
            println!("  {u}");
        }
        // The title form, when the title is unique and needs no escaping in a URL.
        let plain = |c: char| c.is_ascii_alphanumeric() || "-._~".contains(c);
        if !s.api_name.is_empty()
            && s.api_name.chars().all(plain)
            && table.name_resolves_to(&s.api_name, &s.api_id)
        {
            let base = &urls_base(data_addr);
            println!("  {base}/_aws/execute-api/{}/{}/", s.api_name, s.stage_name);
        }
    }
    Ok(())
}

/// SIGTERM and SIGINT, listened for from creation on (so that a signal sent as soon as the
/// readiness lines are printed is not lost to the default action).
struct ShutdownSignals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    fn install() -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(ShutdownSignals {
            term: signal(SignalKind::terminate()).context("installing the SIGTERM handler")?,
            int: signal(SignalKind::interrupt()).context("installing the SIGINT handler")?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}
