//! Noxus routes (`X-API-KEY`): start `POST /v1/workflows/{workflow_id}/runs` with `{input,
//! workflow_version_id}`, get run at the seed's `GET /v1/runs/{run_id}` and the
//! workflow-scoped `GET /v1/workflows/{workflow_id}/runs/{run_id}`.
//!
//! Noxus runs are single-shot and carry no version number: a start matches the recordings of
//! the workflow by `input` alone (`X-Reprise-Case` picks among equal matches) and answers the matched recording as recorded (finished at
//! once). Both GETs answer the recording as recorded (the seed's route included: the recording
//! is the truth, whether or not it holds `output`). No stop, no comments.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::model::Run;
use crate::server::{api_key, json_bytes, parse_body, recorded_bytes, ApiError, AppState};
use crate::vendors::serve::{self, start_single_shot};

/// The Noxus routes behind `X-API-KEY`.
pub(super) fn routes(app: &Arc<AppState>) -> Router {
    let routes = Router::new()
        .route("/v1/workflows/{workflow_id}/runs", post(start))
        .route("/v1/workflows/{workflow_id}/runs/{run_id}", get(get_scoped))
        .route("/v1/runs/{run_id}", get(get_run));
    api_key(app, routes).with_state(app.clone())
}

async fn start(
    State(state): State<Arc<AppState>>,
    Path(workflow_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = parse_body(&body)?;
    start_single_shot(&state, super::SYSTEM, workflow_id, None, &body, &headers).await
}

async fn recording(state: &AppState, run_id: &str) -> Result<Arc<Run>, ApiError> {
    serve::recording(state, super::SYSTEM, "run", run_id).await
}

async fn get_run(
    State(state): State<Arc<AppState>>,
    Path(run_id): Path<String>,
) -> Result<Response, ApiError> {
    let run = recording(&state, &run_id).await?;
    Ok(json_bytes(recorded_bytes(&state, &run).await?))
}

async fn get_scoped(
    State(state): State<Arc<AppState>>,
    Path((workflow_id, run_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let run = recording(&state, &run_id).await?;
    if run.workflow_id.as_deref().is_some_and(|w| w != workflow_id) {
        return Err(ApiError::not_found(format!(
            "run {run_id} of workflow {workflow_id}"
        )));
    }
    Ok(json_bytes(recorded_bytes(&state, &run).await?))
}
