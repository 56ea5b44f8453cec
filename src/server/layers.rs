//! The layers every request passes: one log line on stderr, the body read within the idle
//! timeout, the token check (a vendor picks [`bearer`] or [`api_key`] for its routes), fault
//! injection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use super::answer::{header_str, json_headers};
use super::{case_header, json_bytes, ApiError, AppState};
use crate::engine::faults::Fault;

/// `routes` behind `Authorization: Bearer TOKEN`.
pub fn bearer<S: Clone + Send + Sync + 'static>(
    app: &Arc<AppState>,
    routes: Router<S>,
) -> Router<S> {
    routes.route_layer(middleware::from_fn_with_state(app.clone(), bearer_auth))
}

/// `routes` behind `X-API-KEY: TOKEN`.
pub fn api_key<S: Clone + Send + Sync + 'static>(
    app: &Arc<AppState>,
    routes: Router<S>,
) -> Router<S> {
    routes.route_layer(middleware::from_fn_with_state(app.clone(), api_key_auth))
}

pub(super) async fn log(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
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
pub(super) async fn read_body(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
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

pub(super) async fn faults(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let Some(injector) = &state.faults else {
        return next.run(req).await;
    };
    // A request of a named case draws from its own sequence, so the faults do not depend on
    // how concurrent cases interleave.
    let d = match case_header(req.headers()) {
        Some(case) => injector.next_for(&format!("{case} {} {}", req.method(), req.uri().path())),
        None => injector.next(),
    };
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
