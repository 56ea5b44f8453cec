//! `reprise serve`: the recorded engine behind the vendors' own HTTP routes (axum), so any
//! client (reprise's, the vendors' SDKs, curl) can be tested against recordings.
//!
//! One file per system's routes (`interactly`, `noxus`, `cortex`); this module owns the
//! shared state and the layers every request passes: one log line on stderr (method, path
//! without the query, status, what fault was injected if any, duration; never a header), the
//! request body read within the idle timeout, the token check (Interactly and Cortex
//! `Authorization: Bearer`, Noxus `X-API-KEY`; any token unless one is required), fault
//! injection ([`FaultConfig`]), and graceful shutdown. `listen` owns the connections: header
//! and idle timeouts, the connection cap, accept errors.
//!
//! Recordings are returned exactly as recorded (`RawDoc::bytes()`); see `interactly` for
//! the one place an answer is cut from a recording (a partial Interactly replay).

mod cortex;
mod interactly;
mod listen;
mod noxus;
mod raw;

pub use listen::{
    default_max_connections, ConnectionOptions, DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
};

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::engine::faults::{Fault, FaultInjector};
use crate::engine::{EngineError, FaultConfig, RecordedEngine};
use crate::model::{RawDoc, Run};

/// How to serve.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// The token every request must carry; `None` accepts any (but still requires one).
    pub token: Option<String>,
    /// Faults to inject per request.
    pub faults: FaultConfig,
    /// Write one line per request on stderr.
    pub log: bool,
    /// Timeouts and the cap of connections.
    pub connections: ConnectionOptions,
}

/// What every handler shares.
pub(crate) struct AppState {
    pub engine: Arc<RecordedEngine>,
    token: Option<String>,
    faults: Option<FaultInjector>,
    log: bool,
    /// Time a request body has to arrive (the idle timeout).
    body_timeout: Duration,
    /// Interactly runs in flight on this server: run id → turns answered so far.
    pub progress: Mutex<HashMap<String, usize>>,
    /// Cortex listing metadata, read once from the recordings.
    pub cortex: cortex::Listing,
    /// Byte layouts of Interactly recordings (`raw::Layout`), found on first need. Keyed by
    /// the recording's address: the engine's runs live as long as the server, and the entry
    /// holds its run, so no other run can take that address.
    pub layouts: Mutex<HashMap<usize, CachedLayout>>,
    /// Recordings read from disk, kept for the next answers (see [`recorded_bytes`]).
    disk_cache: Mutex<DiskCache>,
}

/// A recording and its layout (`None`: it holds no bare `WorkflowRun`).
pub(crate) type CachedLayout = (Arc<Run>, Arc<Option<raw::Layout>>);

/// Why a request failed, as the server answers it.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub retry_after_ms: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            retry_after_ms: None,
        }
    }

    pub fn not_found(what: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("{what} not found"))
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        let e = match e {
            EngineError::Exhausted { last, .. } => *last,
            e => e,
        };
        let status = match &e {
            EngineError::Miss(_) => StatusCode::NOT_FOUND,
            EngineError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            EngineError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            EngineError::Server { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            EngineError::Refused { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            EngineError::Malformed(_)
            | EngineError::Transport(_)
            | EngineError::Connect(_)
            | EngineError::Exhausted { .. }
            | EngineError::Unsure(_) => StatusCode::BAD_GATEWAY,
            EngineError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            EngineError::Unsupported(_) => StatusCode::METHOD_NOT_ALLOWED,
            EngineError::TooLarge { .. } => StatusCode::BAD_GATEWAY,
        };
        let retry_after_ms = match e {
            EngineError::RateLimited { retry_after_ms } => retry_after_ms,
            _ => None,
        };
        ApiError {
            status,
            message: e.to_string(),
            retry_after_ms,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // FastAPI's shape (`detail`), which the Interactly and Noxus APIs answer with.
        let body = serde_json::json!({ "detail": self.message }).to_string();
        let mut res = (self.status, json_headers(), body).into_response();
        if let Some(ms) = self.retry_after_ms {
            if let Ok(v) = HeaderValue::from_str(&ms.div_ceil(1000).to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

fn json_headers() -> [(header::HeaderName, HeaderValue); 1] {
    [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    )]
}

/// A 200 with JSON bytes.
pub(crate) fn json_bytes(bytes: impl Into<Body>) -> Response {
    (StatusCode::OK, json_headers(), bytes.into()).into_response()
}

/// How many bytes of recordings read from disk the server keeps in memory (see
/// [`recorded_bytes`]).
const DISK_CACHE_BYTES: usize = 64 << 20;

/// Recordings read from disk, kept for the next answers: keyed like `AppState::layouts`.
#[derive(Default)]
pub(crate) struct DiskCache {
    entries: HashMap<usize, (Arc<Run>, Bytes)>,
    total: usize,
}

/// A recording's exact bytes. A recording held in memory is shared, not copied (the answer
/// body points into the loaded file). One loaded without its bytes is read from disk on a
/// blocking thread (a slow disk never stalls the other requests) and kept in a bounded cache
/// ([`DISK_CACHE_BYTES`], arbitrary entries make room), since a replay asks for the same
/// recording twice per turn; recordings are not expected to change while served.
pub(crate) async fn recorded_bytes(state: &AppState, run: &Arc<Run>) -> Result<Bytes, ApiError> {
    let failed = |e: &dyn std::fmt::Display| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read recording {}: {e}", run.run_id),
        )
    };
    match &run.raw {
        RawDoc::Memory { buf, range } => match buf.get(range.clone()) {
            Some(_) => Ok(Bytes::from_owner(buf.clone()).slice(range.clone())),
            None => Err(failed(&"the recorded range is outside its file")),
        },
        RawDoc::Disk { .. } => {
            let key = Arc::as_ptr(run) as usize;
            let cache = || state.disk_cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, bytes)) = cache().entries.get(&key) {
                return Ok(bytes.clone());
            }
            let shared = run.clone();
            let bytes =
                tokio::task::spawn_blocking(move || shared.raw.bytes().map(|b| b.into_owned()))
                    .await
                    .map_err(|e| failed(&e))?
                    .map(Bytes::from)
                    .map_err(|e| failed(&e))?;
            if bytes.len() <= DISK_CACHE_BYTES {
                let mut cache = cache();
                while cache.total + bytes.len() > DISK_CACHE_BYTES {
                    let Some(&old) = cache.entries.keys().next() else {
                        break;
                    };
                    if let Some((_, gone)) = cache.entries.remove(&old) {
                        cache.total -= gone.len();
                    }
                }
                let len = bytes.len();
                if let Some((_, old)) = cache.entries.insert(key, (run.clone(), bytes.clone())) {
                    cache.total -= old.len();
                }
                cache.total += len;
            }
            Ok(bytes)
        }
    }
}

/// `X-Reprise-Case: RUN_ID`: the case a client is replaying, preferred among equal matches
/// (`StartRequest::case_run_id`). Never used to match.
pub(crate) fn case_header(headers: &HeaderMap) -> Option<String> {
    header_str(headers, "x-reprise-case")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Parses a JSON request body (422 when it is not JSON).
pub(crate) fn parse_body(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the body is not JSON: {e}"),
        )
    })
}

/// The server: routes of the three systems over one recorded engine.
pub struct Server {
    state: Arc<AppState>,
    connections: ConnectionOptions,
}

impl Server {
    /// A server over `engine`.
    pub fn new(engine: Arc<RecordedEngine>, options: ServeOptions) -> Result<Server, String> {
        options.faults.validate()?;
        let faults = (!options.faults.is_off()).then(|| FaultInjector::new(options.faults));
        let cortex = cortex::Listing::new(&engine);
        Ok(Server {
            state: Arc::new(AppState {
                engine,
                token: options.token.filter(|t| !t.is_empty()),
                faults,
                log: options.log,
                body_timeout: options.connections.idle_timeout,
                progress: Mutex::new(HashMap::new()),
                cortex,
                layouts: Mutex::new(HashMap::new()),
                disk_cache: Mutex::new(DiskCache::default()),
            }),
            connections: options.connections,
        })
    }

    /// The axum router with every route and layer.
    pub fn router(&self) -> Router {
        let state = self.state.clone();
        let bearer = |r: Router<Arc<AppState>>| {
            r.route_layer(middleware::from_fn_with_state(state.clone(), bearer_auth))
        };
        let api_key = |r: Router<Arc<AppState>>| {
            r.route_layer(middleware::from_fn_with_state(state.clone(), api_key_auth))
        };
        Router::new()
            .merge(bearer(interactly::routes()))
            .merge(api_key(noxus::routes()))
            .merge(bearer(cortex::routes()))
            .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such route") })
            .layer(middleware::from_fn_with_state(state.clone(), faults))
            .layer(middleware::from_fn_with_state(state.clone(), read_body))
            .layer(middleware::from_fn_with_state(state.clone(), log))
            .with_state(state)
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the requests in flight.
    /// Connections are kept as [`ConnectionOptions`] say (see `listen`).
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = self.router();
        listen::serve(listener, router, self.connections, shutdown).await
    }
}

/// Binds `addr` (port 0 picks a free one); the listener's real address is `local_addr()`.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn log(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if !state.log {
        return next.run(req).await;
    }
    let method = req.method().clone();
    // The path only: a query could carry anything, headers carry the token. The case a
    // client names is shown, so a log tells how often each case's start was sent.
    let path = req.uri().path().to_owned();
    let case = case_header(req.headers())
        .map(|c| format!(" case={c}"))
        .unwrap_or_default();
    let started = Instant::now();
    let res = next.run(req).await;
    // What was really sent: an injected fault is named (a dropped body, a malformed one), not
    // hidden behind the 200 it carries.
    let injected = match res.extensions().get::<Injected>() {
        Some(Injected(what)) => format!(" {what}-injected"),
        None => String::new(),
    };
    eprintln!(
        "{method} {path} {}{injected} {:.1}ms{case}",
        res.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    res
}

/// What the fault layer did to an answer, for the log line (`dropped`, `malformed`, ...).
#[derive(Debug, Clone, Copy)]
struct Injected(&'static str);

/// The largest request body read: axum's own default limit, which the handlers' `Bytes`
/// extractors apply anyway.
const MAX_REQUEST_BODY: usize = 2 << 20;

/// Reads the request body before the handlers, within the idle timeout (408 when a client
/// trickles it) and [`MAX_REQUEST_BODY`] (413), so a slow body cannot hold a connection.
async fn read_body(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let read = axum::body::to_bytes(body, MAX_REQUEST_BODY);
    match tokio::time::timeout(state.body_timeout, read).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(e)) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("cannot read the request body: {e}"),
        )
        .into_response(),
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} ms",
                state.body_timeout.as_millis()
            ),
        )
        .into_response(),
    }
}

fn token_ok(state: &AppState, given: Option<&str>) -> bool {
    match (given.map(str::trim), &state.token) {
        (None, _) => false,
        (Some(""), _) => false,
        (Some(_), None) => true,
        (Some(t), Some(want)) => constant_time_eq(t.as_bytes(), want.as_bytes()),
    }
}

/// Compares without stopping at the first difference (tokens are secrets).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn bearer_auth(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let token = header_str(req.headers(), "authorization").and_then(|v| {
        let (scheme, rest) = v.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then_some(rest)
    });
    if token_ok(&state, token) {
        next.run(req).await
    } else {
        let mut res = ApiError::new(StatusCode::UNAUTHORIZED, "missing or invalid bearer token")
            .into_response();
        res.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        res
    }
}

async fn api_key_auth(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if token_ok(&state, header_str(req.headers(), "x-api-key")) {
        next.run(req).await
    } else {
        ApiError::new(StatusCode::UNAUTHORIZED, "missing or invalid X-API-KEY").into_response()
    }
}

async fn faults(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let Some(injector) = &state.faults else {
        return next.run(req).await;
    };
    let d = injector.next();
    if d.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(d.delay_ms)).await;
    }
    let (mut res, what) = match d.fault {
        Fault::None => {
            let res = next.run(req).await;
            if d.delay_ms == 0 {
                return res;
            }
            (res, "delayed")
        }
        Fault::ServerError(status) => (
            ApiError::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "injected server error",
            )
            .into_response(),
            "error",
        ),
        Fault::RateLimited { retry_after_ms } => (
            ApiError {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: "injected rate limit".into(),
                retry_after_ms: Some(retry_after_ms),
            }
            .into_response(),
            "rate-limit",
        ),
        // A 200 whose JSON stops half-way.
        Fault::Malformed => (
            json_bytes(&b"{\"workflow_run\": {\"_id\": "[..]),
            "malformed",
        ),
        Fault::Drop => {
            // The body fails after the headers: hyper aborts the connection mid-response.
            let stream = futures_util::stream::once(async {
                Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "injected dropped connection",
                ))
            });
            let res = (StatusCode::OK, json_headers(), Body::from_stream(stream)).into_response();
            (res, "dropped")
        }
    };
    res.extensions_mut().insert(Injected(what));
    res
}
