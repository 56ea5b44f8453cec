//! What handlers answer: errors in FastAPI's shape ([`ApiError`]), JSON bodies, and the
//! request helpers every vendor's routes use.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::engine::EngineError;

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
            EngineError::Recording(_) => StatusCode::INTERNAL_SERVER_ERROR,
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

pub(super) fn json_headers() -> [(header::HeaderName, HeaderValue); 1] {
    [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    )]
}

/// A 200 with JSON bytes.
pub(crate) fn json_bytes(bytes: impl Into<Body>) -> Response {
    (StatusCode::OK, json_headers(), bytes.into()).into_response()
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

pub(super) fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
