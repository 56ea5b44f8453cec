//! What the vendors' `reprise serve` routes share: reading a recording by run id and starting a
//! single-shot run from a JSON body (Noxus and Cortex start the same way, but for the version).

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

use crate::engine::{Engine, LiveHints, StartRequest, TurnInput};
use crate::model::{Run, System};
use crate::server::{case_header, json_bytes, recorded_bytes, ApiError, AppState};

/// The recording of `run_id` of `system`; not found (naming the `noun`, e.g. `run`) otherwise.
pub(super) async fn recording(
    state: &AppState,
    system: System,
    noun: &str,
    run_id: &str,
) -> Result<Arc<Run>, ApiError> {
    state
        .engine
        .get(system, run_id)
        .await
        .map_err(|_| ApiError::not_found(format!("{noun} {run_id}")))
}

/// Starts a single-shot run of `workflow_id` with the body's `input` (the case the
/// `X-Reprise-Case` header names, if any) and answers the recording it finished as.
pub(super) async fn start_single_shot(
    state: &AppState,
    system: System,
    workflow_id: String,
    version: Option<i64>,
    body: &Value,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let request = StartRequest {
        system,
        workflow_id,
        version,
        input: TurnInput {
            input: body.get("input").filter(|v| !v.is_null()).cloned(),
            ..TurnInput::default()
        },
        case_run_id: case_header(headers),
        live: LiveHints::default(),
    };
    let reply = state.engine.start(&request).await?;
    Ok(json_bytes(recorded_bytes(state, &reply.run).await?))
}
