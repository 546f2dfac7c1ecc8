//! Starting the four listeners, and the handle tests hold.
//!
//! The listeners run on a runtime the `Sandbox` owns, so tests can be plain synchronous
//! `#[test]`s driving a blocking client (or the real binary). Dropping the `Sandbox` stops them.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tower::ServiceExt as _;

use crate::record::{record, Recorder, ResetConnection};
use crate::world::{
    lock, Breakage, Fault, LoggedRequest, Realism, ServiceUrls, SharedWorld, World,
};

/// The order of ports in [`Sandbox::start_on`] and of the services everywhere.
pub const SERVICES: [&str; 4] = ["gitpod", "entra", "graph", "ado"];

pub struct Sandbox {
    world: SharedWorld,
    urls: ServiceUrls,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Sandbox {
    /// Starts on four ephemeral loopback ports. Panics if it cannot (a test cannot go on).
    pub fn start() -> Sandbox {
        Sandbox::start_on([0; 4]).expect("start the sandbox on loopback")
    }

    /// Starts on the given loopback ports (gitpod, authority, graph, ado); 0 picks a free one.
    pub fn start_on(ports: [u16; 4]) -> std::io::Result<Sandbox> {
        let mut listeners = Vec::new();
        for port in ports {
            let listener =
                std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
            listener.set_nonblocking(true)?;
            listeners.push(listener);
        }
        let base = |l: &std::net::TcpListener| -> std::io::Result<String> {
            Ok(format!("http://{}", l.local_addr()?))
        };
        let urls = ServiceUrls {
            gitpod: format!("{}/api", base(&listeners[0])?),
            authority: base(&listeners[1])?,
            graph: base(&listeners[2])?,
            ado: base(&listeners[3])?,
        };
        let world: SharedWorld = Arc::new(Mutex::new(World::seeded(urls.clone())));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ado-scm-sandbox")
            .enable_all()
            .build()?;
        let routers = [
            crate::gitpod::router(world.clone()),
            crate::entra::router(world.clone()),
            crate::graph::router(world.clone()),
            crate::ado::router(world.clone()),
        ];
        {
            let _guard = runtime.enter();
            for ((listener, routes), service) in listeners.into_iter().zip(routers).zip(SERVICES) {
                let listener = TcpListener::from_std(listener)?;
                let app = routes.merge(control_router(world.clone())).layer(
                    axum::middleware::from_fn_with_state(
                        Recorder {
                            world: world.clone(),
                            service,
                        },
                        record,
                    ),
                );
                runtime.spawn(serve(listener, app));
            }
        }
        Ok(Sandbox {
            world,
            urls,
            runtime: Some(runtime),
        })
    }

    /// The Gitpod API base, e.g. `http://127.0.0.1:PORT/api`.
    pub fn gitpod_url(&self) -> String {
        self.urls.gitpod.clone()
    }
    pub fn authority_url(&self) -> String {
        self.urls.authority.clone()
    }
    pub fn graph_url(&self) -> String {
        self.urls.graph.clone()
    }
    pub fn ado_url(&self) -> String {
        self.urls.ado.clone()
    }
    pub fn urls(&self) -> ServiceUrls {
        self.urls.clone()
    }

    /// Runs `f` on the world under its lock (keep it short: the services wait meanwhile).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut lock(&self.world))
    }

    /// Every request the services received so far, oldest first, secrets hashed.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.with_world(|w| w.log.clone())
    }

    /// The requests one service (`gitpod`, `entra`, `graph`, `ado`) received.
    pub fn requests_to(&self, service: &str) -> Vec<LoggedRequest> {
        self.with_world(|w| {
            w.log
                .iter()
                .filter(|r| r.service == service)
                .cloned()
                .collect()
        })
    }

    pub fn clear_requests(&self) {
        self.with_world(|w| w.log.clear());
    }

    /// The whole world but the log, as JSON (what `GET /_sandbox/state` answers).
    pub fn state(&self) -> Value {
        self.with_world(|w| w.state_json())
    }

    pub fn inject(&self, fault: Fault) {
        self.with_world(|w| w.faults.push(fault));
    }

    /// Delay added to every request of every service (control endpoints excepted).
    pub fn set_latency_ms(&self, ms: u64) {
        self.with_world(|w| w.latency_ms = ms);
    }

    /// Turns the timing behaviour of the real services on (or off with `Realism::default()`).
    pub fn set_realism(&self, realism: Realism) {
        self.with_world(|w| w.realism = realism);
    }

    /// Makes `{root}/api/…` answer `status` (307 or 308) with `Location: {root}/moved/api/…`;
    /// `{root}/moved/api/…` serves the API all along.
    pub fn move_gitpod_api(&self, status: u16) {
        assert!(
            matches!(status, 307 | 308),
            "the API moves with 307 or 308, not {status}"
        );
        self.with_world(|w| w.gitpod_moved = Some(status));
    }

    /// Adds `n` registered, active runners to the seeded organization, each with its own key
    /// pair and, `with_integration`, an `azuredevops_entra` integration for `dev.azure.com` with
    /// PAT sign-in; answers their ids.
    pub fn add_ready_runners(&self, n: usize, with_integration: bool) -> Vec<String> {
        self.with_world(|w| w.gitpod.add_ready_runners(n, with_integration))
    }

    /// Breaks what `ado-scm doctor` checks: ages a client secret, mistypes a redirect URI,
    /// removes a permission, gives a runner a new key pair; `false` when what the [`Breakage`]
    /// names does not exist.
    pub fn apply_breakage(&self, breakage: Breakage) -> bool {
        self.with_world(|w| w.apply_breakage(breakage))
    }

    /// Back to the seeded data; clears the log, the faults, the latency and the realism.
    pub fn reset(&self) {
        self.with_world(|w| w.reset());
    }

    /// The environment that points ado-scm at this sandbox.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("ADO_SCM_GITPOD_URL", &self.urls.gitpod),
            ("ADO_SCM_AUTHORITY_URL", &self.urls.authority),
            ("ADO_SCM_GRAPH_URL", &self.urls.graph),
            ("ADO_SCM_ADO_URL", &self.urls.ado),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
    }

    /// Blocks until Ctrl-C (the binary's main loop).
    pub fn wait_for_ctrl_c(&self) -> std::io::Result<()> {
        match &self.runtime {
            Some(rt) => rt.block_on(tokio::signal::ctrl_c()),
            None => Ok(()),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Never blocks, so a Sandbox may also be dropped inside an async test.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Our own accept loop rather than `axum::serve`: when the recorder marks a response with
/// [`ResetConnection`], the service fails and hyper drops the connection unanswered.
async fn serve(listener: TcpListener, app: Router) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let app = app.clone();
                async move {
                    let response = app
                        .oneshot(request.map(Body::new))
                        .await
                        .unwrap_or_else(|never: Infallible| match never {});
                    if response.extensions().get::<ResetConnection>().is_some() {
                        Err(ResetConnection)
                    } else {
                        Ok(response)
                    }
                }
            });
            // Errors here are the client's (or our reset): nothing to report.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// `/_sandbox/*` on every listener, so a test driving the binary can reach them too.
fn control_router(world: SharedWorld) -> Router {
    Router::new()
        .route("/_sandbox/state", get(control_state))
        .route("/_sandbox/requests", get(control_requests))
        .route(
            "/_sandbox/faults",
            post(control_add_faults).delete(control_clear_faults),
        )
        .route("/_sandbox/latency", post(control_latency))
        .route("/_sandbox/realism", post(control_realism))
        .route("/_sandbox/reset", post(control_reset))
        .route("/_sandbox/break", post(control_break))
        .with_state(world)
}

async fn control_state(State(world): State<SharedWorld>) -> Json<Value> {
    Json(lock(&world).state_json())
}

async fn control_requests(State(world): State<SharedWorld>) -> Json<Value> {
    Json(json!(lock(&world).log))
}

type Refusal = (StatusCode, String);
type Control = Result<Json<Value>, Refusal>;

/// A control body as `T`: 400 with serde's words when it is not one.
fn parse<T: DeserializeOwned>(body: Value, what: &str) -> Result<T, Refusal> {
    serde_json::from_value(body).map_err(|e| (StatusCode::BAD_REQUEST, format!("{what}: {e}")))
}

/// Body: one fault or a list, e.g. `{"service":"gitpod","path_contains":"ListRunners","kind":{"status":503},"times":2}`.
async fn control_add_faults(State(world): State<SharedWorld>, Json(body): Json<Value>) -> Control {
    let list = if body.is_array() { body } else { json!([body]) };
    let faults: Vec<Fault> = parse(list, "invalid fault")?;
    let mut world = lock(&world);
    world.faults.extend(faults);
    Ok(Json(json!({"faults": world.faults})))
}

async fn control_clear_faults(State(world): State<SharedWorld>) -> Json<Value> {
    lock(&world).faults.clear();
    Json(json!({"faults": []}))
}

/// Body: `{"ms": 250}`.
async fn control_latency(State(world): State<SharedWorld>, Json(body): Json<Value>) -> Control {
    let what = "expected {\"ms\": <milliseconds>}";
    let ms: u64 = parse(body["ms"].clone(), what)?;
    lock(&world).latency_ms = ms;
    Ok(Json(json!({"latencyMs": ms})))
}

/// Body: a [`Realism`] in camelCase, e.g. `{"gitpodReadLag": 2}`; absent fields are 0.
async fn control_realism(State(world): State<SharedWorld>, Json(body): Json<Value>) -> Control {
    let realism: Realism = parse(body, "invalid realism")?;
    lock(&world).realism = realism.clone();
    Ok(Json(json!({"realism": realism})))
}

/// Body: a [`Breakage`], e.g. `{"rotateRunnerKey": {"runnerId": "…"}}`; 404 when what it names
/// does not exist.
async fn control_break(State(world): State<SharedWorld>, Json(body): Json<Value>) -> Control {
    let breakage: Breakage = parse(body, "invalid breakage")?;
    let missing = (
        StatusCode::NOT_FOUND,
        "no such secret, app or runner".to_string(),
    );
    let done = lock(&world).apply_breakage(breakage);
    done.then(|| Json(json!({"broken": true}))).ok_or(missing)
}

async fn control_reset(State(world): State<SharedWorld>) -> Json<Value> {
    lock(&world).reset();
    Json(json!({"reset": true}))
}
