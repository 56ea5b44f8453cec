//! Cortex routes (bearer token) under `/apps/{app_id}/workflows/{workflow_id}/runs`: start
//! (`POST`, body `{input, workflow_version_id}`, optional `version` number in the body or
//! `?version=N`), get (`GET …/{run_id}`), cancel (`POST …/{run_id}/cancel`) and the paged
//! list (`GET`, a bare JSON array as in the seed).
//!
//! Listing: runs of the workflow (and app, when the recording names one) sorted by run id,
//! filtered by `status` and `origin` (`ALL` or absent = no filter; case-insensitive). Pages
//! are 1-based: `page` (default 1) and `take` (default 20, at most 1,000). When more runs
//! follow, the answer carries `X-Next-Page-Token`; passing it as `next` continues from there
//! (it wins over `page`). `X-Total-Count` is the number of runs the filters let through.
//! Every run in a page is the recording's exact bytes.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use crate::engine::{Engine, RecordedEngine};
use crate::model::Run;
use crate::server::{bearer, json_bytes, parse_body, recorded_bytes, ApiError, AppState};
use crate::vendors::serve::start_single_shot;

/// The default and largest page sizes.
const TAKE_DEFAULT: usize = 20;
const TAKE_MAX: usize = 1_000;

/// One listed run: the recording and the fields the filters read that `Run` does not keep.
struct Listed {
    run: Arc<Run>,
    app_id: Option<String>,
    origin: Option<String>,
}

/// Cortex runs by workflow id, sorted by run id; read once when the server starts.
#[derive(Default)]
pub(crate) struct Listing {
    by_workflow: HashMap<String, Vec<Listed>>,
}

impl Listing {
    pub(crate) fn new(engine: &RecordedEngine) -> Listing {
        #[derive(serde::Deserialize)]
        struct Fields {
            app_id: Option<String>,
            origin: Option<String>,
        }
        let mut by_workflow: HashMap<String, Vec<Listed>> = HashMap::new();
        for run in engine.runs().iter().filter(|r| r.system == super::SYSTEM) {
            let fields = run
                .raw
                .bytes()
                .ok()
                .and_then(|b| serde_json::from_slice::<Fields>(&b).ok());
            let (app_id, origin) = fields.map_or((None, None), |f| (f.app_id, f.origin));
            by_workflow
                .entry(run.workflow_id.clone().unwrap_or_default())
                .or_default()
                .push(Listed {
                    run: run.clone(),
                    app_id,
                    origin,
                });
        }
        Listing { by_workflow }
    }
}

/// What the Cortex routes share: the server's state and the listing of the recordings.
pub(super) struct Serve {
    app: Arc<AppState>,
    /// Cortex listing metadata, read once from the recordings.
    cortex: Listing,
}

impl std::ops::Deref for Serve {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

/// The Cortex routes behind `Authorization: Bearer`.
pub(super) fn routes(app: &Arc<AppState>) -> Router {
    let serve = Serve {
        app: app.clone(),
        cortex: Listing::new(app.engine()),
    };
    let routes = Router::new()
        .route(
            "/apps/{app_id}/workflows/{workflow_id}/runs",
            post(start).get(list),
        )
        .route(
            "/apps/{app_id}/workflows/{workflow_id}/runs/{run_id}",
            get(get_run),
        )
        .route(
            "/apps/{app_id}/workflows/{workflow_id}/runs/{run_id}/cancel",
            post(cancel),
        );
    bearer(app, routes).with_state(Arc::new(serve))
}

#[derive(Debug, serde::Deserialize)]
struct StartQuery {
    version: Option<i64>,
}

async fn start(
    State(state): State<Arc<Serve>>,
    Path((_app_id, workflow_id)): Path<(String, String)>,
    Query(query): Query<StartQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = parse_body(&body)?;
    let version = query
        .version
        .or_else(|| body.get("version").and_then(Value::as_i64));
    start_single_shot(&state, super::SYSTEM, workflow_id, version, &body, &headers).await
}

/// The recording, if it belongs to that app (when it names one) and workflow.
async fn recording(
    state: &Serve,
    app_id: &str,
    workflow_id: &str,
    run_id: &str,
) -> Result<Arc<Run>, ApiError> {
    let missing = || ApiError::not_found(format!("run {run_id}"));
    let run = state
        .engine
        .get(super::SYSTEM, run_id)
        .await
        .map_err(|_| missing())?;
    let listed = state
        .cortex
        .by_workflow
        .get(workflow_id)
        .and_then(|l| l.iter().find(|x| x.run.run_id == run_id))
        .ok_or_else(missing)?;
    if listed.app_id.as_deref().is_some_and(|a| a != app_id) {
        return Err(missing());
    }
    Ok(run)
}

async fn get_run(
    State(state): State<Arc<Serve>>,
    Path((app_id, workflow_id, run_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let run = recording(&state, &app_id, &workflow_id, &run_id).await?;
    Ok(json_bytes(recorded_bytes(&state, &run).await?))
}

async fn cancel(
    State(state): State<Arc<Serve>>,
    Path((app_id, workflow_id, run_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let run = recording(&state, &app_id, &workflow_id, &run_id).await?;
    state.engine.stop(super::SYSTEM, &run_id).await?;
    Ok(json_bytes(recorded_bytes(&state, &run).await?))
}

#[derive(Debug, Default, serde::Deserialize)]
struct ListQuery {
    page: Option<String>,
    take: Option<String>,
    next: Option<String>,
    origin: Option<String>,
    status: Option<String>,
}

fn number(name: &str, value: Option<&str>, default: usize) -> Result<usize, ApiError> {
    match value {
        None | Some("") => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("`{name}` must be a whole number"),
            )
        }),
    }
}

fn passes(filter: Option<&str>, value: Option<&str>) -> bool {
    match filter.map(str::trim) {
        None | Some("") => true,
        Some(f) if f.eq_ignore_ascii_case("ALL") => true,
        Some(f) => value.is_some_and(|v| v.eq_ignore_ascii_case(f)),
    }
}

async fn list(
    State(state): State<Arc<Serve>>,
    Path((app_id, workflow_id)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let take = number("take", query.take.as_deref(), TAKE_DEFAULT)?;
    if take == 0 || take > TAKE_MAX {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("`take` must be between 1 and {TAKE_MAX}"),
        ));
    }
    let offset = match query.next.as_deref().filter(|n| !n.is_empty()) {
        Some(token) => number("next", Some(token), 0)?,
        None => {
            let page = number("page", query.page.as_deref(), 1)?;
            if page == 0 {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "`page` is 1-based",
                ));
            }
            (page - 1).saturating_mul(take)
        }
    };
    let matching: Vec<&Listed> = state
        .cortex
        .by_workflow
        .get(&workflow_id)
        .into_iter()
        .flatten()
        .filter(|x| x.app_id.as_deref().is_none_or(|a| a == app_id))
        .filter(|x| passes(query.status.as_deref(), Some(x.run.status.text.as_str())))
        .filter(|x| passes(query.origin.as_deref(), x.origin.as_deref()))
        .collect();
    let total = matching.len();
    let mut body = vec![b'['];
    for (i, x) in matching.iter().skip(offset).take(take).enumerate() {
        if i > 0 {
            body.push(b',');
        }
        // A file's trailing newline is not part of the document.
        let bytes = recorded_bytes(&state, &x.run).await?;
        body.extend_from_slice(bytes.trim_ascii());
    }
    body.push(b']');
    let mut res = json_bytes(body);
    let headers = res.headers_mut();
    headers.insert("x-total-count", HeaderValue::from(total));
    let end = offset.saturating_add(take);
    if end < total {
        headers.insert("x-next-page-token", HeaderValue::from(end));
    }
    Ok(res)
}
