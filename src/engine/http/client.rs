//! Shared HTTP plumbing of the live engines: auth, timeouts, retries with exponential back-off
//! and full jitter (honouring `Retry-After`), a retry budget per run, bounded concurrency, a
//! requests-per-second cap and an adaptive slow-down when the server answers 429.
//!
//! The per-system clients build requests and read answers; everything about *when* and *how
//! often* a request is sent lives here so the three systems behave alike.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::engine::EngineError;

/// An API token. Its `Debug` and `Display` print `***`: it never reaches a log or report.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token value.
    pub fn new(value: impl Into<String>) -> Token {
        Token(value.into())
    }

    /// Reads the token from environment variable `var` (`None` when unset or empty).
    pub fn from_env(var: &str) -> Option<Token> {
        std::env::var(var).ok().filter(|v| !v.is_empty()).map(Token)
    }

    /// The secret value, for the one place that sends it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// How a system wants its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <token>` (Interactly, Cortex).
    Bearer,
    /// `X-API-KEY: <token>` (Noxus).
    ApiKey,
}

/// Timeouts, retries and pacing of one engine.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for one whole request (send and read the answer).
    pub request_timeout: Duration,
    /// Retries of one request after its first attempt.
    pub max_retries: u32,
    /// Retries one run may spend over all its requests.
    pub retry_budget: u32,
    /// First back-off ceiling; doubles on every retry.
    pub backoff_base: Duration,
    /// Largest back-off ceiling.
    pub backoff_max: Duration,
    /// Requests per second over the whole engine (`None`: no cap).
    pub rps: Option<f64>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Interval between polls of a run that is still working.
    pub poll_interval: Duration,
    /// How long a run may take to reach a resting state (poll deadline).
    pub run_timeout: Duration,
    /// Largest answer body read, in bytes; a larger one fails with [`EngineError::TooLarge`]
    /// as soon as the limit is passed (see [`read_capped`]).
    pub max_response_bytes: u64,
}

/// The default of [`ClientConfig::max_response_bytes`]: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 << 20;

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(60),
            max_retries: 5,
            retry_budget: 20,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_secs(10),
            rps: None,
            concurrency: 32,
            poll_interval: Duration::from_millis(500),
            run_timeout: Duration::from_secs(600),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

/// Retries one run may still spend. Shared by every request made for that run.
#[derive(Debug)]
pub struct RetryBudget(AtomicU32);

impl RetryBudget {
    /// A budget of `n` retries.
    pub fn new(n: u32) -> RetryBudget {
        RetryBudget(AtomicU32::new(n))
    }

    /// Spends one retry; false when none is left.
    pub fn take(&self) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Retries left.
    pub fn remaining(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }
}

/// Whether a request may be sent again after a failure that leaves open whether the server
/// acted on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Safe to repeat (GETs, stop, cancel): every retryable failure is retried.
    Freely,
    /// May act on the world (a start, a turn, a comment): sent again only after a failure that
    /// proves the server did not act on it ([`EngineError::proves_unprocessed`]). Whoever sends
    /// it decides what to do about the other failures (look, then resend, or give up).
    IfUnprocessed,
}

/// One request to send (rebuilt on every attempt).
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub method: reqwest::Method,
    pub url: String,
    /// A JSON body, already serialized.
    pub body: Option<Vec<u8>>,
    /// When the request may be sent again.
    pub resend: Resend,
    /// Extra request headers.
    pub headers: Vec<(&'static str, String)>,
}

impl Call {
    pub fn get(url: String) -> Call {
        Call {
            method: reqwest::Method::GET,
            url,
            body: None,
            resend: Resend::Freely,
            headers: Vec::new(),
        }
    }

    /// A POST, resent only when the failure proves it was not processed.
    pub fn post(url: String, body: &serde_json::Value) -> Call {
        Call {
            method: reqwest::Method::POST,
            url,
            // Serializing a Value cannot fail.
            body: Some(serde_json::to_vec(body).unwrap_or_default()),
            resend: Resend::IfUnprocessed,
            headers: Vec::new(),
        }
    }

    /// The same call, repeatable after any retryable failure.
    pub fn idempotent(mut self) -> Call {
        self.resend = Resend::Freely;
        self
    }

    /// The same call with the `X-Reprise-Case` header, which tells `reprise serve` which
    /// recording is being replayed (never used to match, only to prefer among equal matches).
    pub fn for_case(mut self, case: Option<&str>) -> Call {
        if let Some(case) = case {
            self.headers.push(("x-reprise-case", case.to_owned()));
        }
        self
    }
}

/// An answer with a status the caller may want to read (2xx, or a non-retryable 4xx).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Arc<[u8]>,
    /// `X-Next-Page-Token`: a list's next-page cursor sent as a header.
    pub next_page: Option<String>,
}

impl Answer {
    /// The body of a 2xx answer; any other status as an error.
    pub fn ok(self) -> Result<Arc<[u8]>, EngineError> {
        if (200..300).contains(&self.status) {
            Ok(self.body)
        } else {
            Err(status_error(self.status, &self.body))
        }
    }
}

/// An unexpected status as an [`EngineError`]: 401/403 unauthorized, 429 rate limited, other
/// 4xx refused (final but for 408, 409 and 425), 5xx and anything else a server error.
pub(crate) fn status_error(status: u16, body: &[u8]) -> EngineError {
    let message = short(body);
    match status {
        401 | 403 => EngineError::Unauthorized(format!("HTTP {status}")),
        429 => EngineError::RateLimited {
            retry_after_ms: None,
        },
        400..=499 => EngineError::Refused { status, message },
        _ => EngineError::Server {
            status,
            message,
            retry_after_ms: None,
        },
    }
}

/// At most 200 characters of a body, for error messages. Bodies may hold patient data, so only
/// error answers are ever quoted, and only their start.
fn short(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    if text.chars().count() <= MAX {
        return text.into_owned();
    }
    let mut out: String = text.chars().take(MAX).collect();
    // Half a secret (a JWT, a key, a Basic credential cut at the limit) may no longer look
    // like one to the redactor: the token the cut falls in is dropped whole.
    let keep = out
        .rfind(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '\'' | '&' | '{' | '}'))
        .map_or(0, |i| i + 1);
    out.truncate(keep);
    out.push('…');
    out
}

/// The HTTP client of one system: connection pool, auth, pacing and retries.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    config: Arc<ClientConfig>,
    auth: Auth,
    token: Option<Token>,
    limits: Arc<Limits>,
}

/// Limits shared by every system's client of one engine.
#[derive(Debug)]
pub struct Limits {
    permits: Semaphore,
    pacer: Pacer,
}

impl Limits {
    /// Limits for `config`.
    pub fn new(config: &ClientConfig) -> Arc<Limits> {
        Arc::new(Limits {
            permits: Semaphore::new(config.concurrency.max(1)),
            pacer: Pacer::new(config.rps),
        })
    }

    /// The extra spacing between requests added after 429s (zero when none came lately).
    pub fn slowdown(&self) -> Duration {
        self.pacer.penalty()
    }
}

impl HttpClient {
    /// A client speaking with `auth`, sharing `limits` with the engine's other clients.
    pub fn new(
        config: Arc<ClientConfig>,
        auth: Auth,
        token: Option<Token>,
        limits: Arc<Limits>,
    ) -> Result<HttpClient, EngineError> {
        let inner = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .pool_max_idle_per_host(config.concurrency.max(1))
            .tcp_nodelay(true)
            .user_agent(concat!("reprise/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| EngineError::Transport(format!("cannot build the HTTP client: {e}")))?;
        Ok(HttpClient {
            inner,
            config,
            auth,
            token,
            limits,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Sends `call` until it gets an answer `parse` accepts, retrying what is worth retrying
    /// within the per-request limit and the run's `budget`.
    pub(crate) async fn send<T>(
        &self,
        call: &Call,
        budget: &RetryBudget,
        parse: impl Fn(Answer) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let mut attempt: u32 = 0;
        loop {
            let outcome = match self.once(call).await {
                Ok(answer) => parse(answer),
                Err(e) => Err(e),
            };
            let err = match outcome {
                Ok(value) => {
                    self.limits.pacer.success();
                    return Ok(value);
                }
                Err(err) => err,
            };
            let retry_after = match &err {
                EngineError::RateLimited { retry_after_ms } => {
                    self.limits.pacer.throttled();
                    retry_after_ms.map(Duration::from_millis)
                }
                EngineError::Server { retry_after_ms, .. } => {
                    retry_after_ms.map(Duration::from_millis)
                }
                _ => None,
            };
            let retryable = match call.resend {
                Resend::Freely => err.is_retryable(),
                Resend::IfUnprocessed => err.proves_unprocessed(),
            };
            if !retryable {
                return Err(err);
            }
            let budget_spent = attempt < self.config.max_retries && !budget.take();
            if budget_spent || attempt >= self.config.max_retries {
                return Err(EngineError::Exhausted {
                    attempts: attempt + 1,
                    budget_spent,
                    last: Box::new(err),
                });
            }
            tokio::time::sleep(self.backoff(attempt, retry_after)).await;
            attempt += 1;
        }
    }

    /// Waits the back-off of retry `attempt` (for callers that decide themselves to resend).
    pub(crate) async fn pause(&self, attempt: u32, retry_after: Option<Duration>) {
        tokio::time::sleep(self.backoff(attempt, retry_after)).await;
    }

    /// Full jitter: a uniform pause in `[0, min(max, base·2^attempt)]`, never shorter than the
    /// server's `Retry-After`.
    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let ceiling = self
            .config
            .backoff_base
            .saturating_mul(1u32 << attempt.min(20))
            .min(self.config.backoff_max);
        let jitter = ceiling.mul_f64(random_unit());
        match retry_after {
            Some(after) => after.max(jitter),
            None => jitter,
        }
    }

    /// One attempt: waits for a slot, sends, classifies the answer.
    async fn once(&self, call: &Call) -> Result<Answer, EngineError> {
        self.limits.pacer.wait().await;
        let _permit = self
            .limits
            .permits
            .acquire()
            .await
            .map_err(|_| EngineError::Transport("the engine is shutting down".into()))?;
        let mut request = self.inner.request(call.method.clone(), &call.url);
        if let Some(token) = &self.token {
            request = match self.auth {
                Auth::Bearer => request.bearer_auth(token.expose()),
                Auth::ApiKey => request.header("X-API-KEY", token.expose()),
            };
        }
        if let Some(body) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        request = request.header(reqwest::header::ACCEPT, "application/json");
        let response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let next_page = response
            .headers()
            .get("x-next-page-token")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        let body = read_capped(response, &call.url, self.config.max_response_bytes, |e| {
            self.transport(e)
        })
        .await?;
        let retry_after_ms = retry_after.map(|d| d.as_millis() as u64);
        match status {
            429 => Err(EngineError::RateLimited { retry_after_ms }),
            500..=599 => Err(EngineError::Server {
                status,
                message: short(&body),
                retry_after_ms,
            }),
            401 | 403 => Err(EngineError::Unauthorized(format!(
                "HTTP {status} from {}",
                call.method
            ))),
            408 | 409 | 425 => Err(EngineError::Refused {
                status,
                message: short(&body),
            }),
            _ => Ok(Answer {
                status,
                body: Arc::from(&body[..]),
                next_page,
            }),
        }
    }

    fn transport(&self, e: reqwest::Error) -> EngineError {
        if e.is_connect() {
            // Refused, unreachable or timed out while connecting: nothing was sent.
            EngineError::Connect(e.without_url().to_string())
        } else if e.is_timeout() {
            EngineError::Timeout(self.config.request_timeout.as_millis() as u64)
        } else {
            // reqwest's message names the URL, never headers: the token stays out.
            EngineError::Transport(e.without_url().to_string())
        }
    }
}

/// Reads an answer's body chunk by chunk, failing with [`EngineError::TooLarge`] (naming `url`)
/// as soon as it passes `limit` bytes, or at once when its Content-Length says it will: an
/// oversized answer is never held whole, and a server streaming without end cannot fill memory.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    url: &str,
    limit: u64,
    transport: impl Fn(reqwest::Error) -> EngineError,
) -> Result<Vec<u8>, EngineError> {
    let too_large = || EngineError::TooLarge {
        url: url.to_owned(),
        limit,
    };
    let declared = response.content_length();
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    // A declared length within the limit is trusted for the first allocation only.
    let mut body = Vec::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(chunk) = response.chunk().await.map_err(&transport)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(3600.0)));
        }
        return None;
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(
        delta
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(Duration::from_secs(3600)),
    )
}

/// Spaces requests: a fixed interval from `--rps`, plus a penalty that doubles on every 429
/// and decays on every success, so a throttled engine slows down on its own.
#[derive(Debug)]
struct Pacer {
    interval: Duration,
    state: Mutex<PaceState>,
}

#[derive(Debug)]
struct PaceState {
    next: Instant,
    penalty: Duration,
}

const MIN_PENALTY: Duration = Duration::from_millis(20);
const MAX_PENALTY: Duration = Duration::from_secs(2);

impl Pacer {
    fn new(rps: Option<f64>) -> Pacer {
        let interval = match rps {
            Some(r) if r.is_finite() && r > 0.0 => Duration::from_secs_f64(1.0 / r),
            _ => Duration::ZERO,
        };
        Pacer {
            interval,
            state: Mutex::new(PaceState {
                next: Instant::now(),
                penalty: Duration::ZERO,
            }),
        }
    }

    async fn wait(&self) {
        let slot = {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            let spacing = self.interval + state.penalty;
            if spacing.is_zero() {
                return;
            }
            let now = Instant::now();
            let slot = state.next.max(now);
            state.next = slot + spacing;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    fn throttled(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.penalty = (state.penalty * 2).clamp(MIN_PENALTY, MAX_PENALTY);
        }
    }

    fn success(&self) {
        if let Ok(mut state) = self.state.lock() {
            if !state.penalty.is_zero() {
                state.penalty = state.penalty * 7 / 8;
                if state.penalty < Duration::from_millis(1) {
                    state.penalty = Duration::ZERO;
                }
            }
        }
    }

    fn penalty(&self) -> Duration {
        self.state
            .lock()
            .map(|s| s.penalty)
            .unwrap_or(Duration::ZERO)
    }
}

/// A uniform number in `[0, 1)` for jitter (xorshift; jitter needs no cryptographic quality).
fn random_unit() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15)
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_body_never_ends_in_half_a_token() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwYXRpZW50LTQyIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        // The JWT straddles the 200-character limit at every offset in turn.
        for pad in 150..200 {
            let body = format!("{} token {jwt} tail", "x".repeat(pad));
            let out = short(body.as_bytes());
            assert!(out.ends_with('…'), "{out}");
            assert!(!out.contains("eyJ"), "pad {pad}: {out}");
            assert!(out.chars().count() <= 201);
        }
        // Short bodies are quoted whole; a long one keeps its complete tokens.
        assert_eq!(short(b"upstream said no"), "upstream said no");
        let long = format!("error {} end", "word ".repeat(60));
        assert!(short(long.as_bytes()).starts_with("error word word"));
    }

    #[test]
    fn token_debug_hides_the_value() {
        let t = Token::new("sk-secret");
        assert_eq!(format!("{t:?}"), "***");
        assert_eq!(format!("{t}"), "***");
        assert_eq!(t.expose(), "sk-secret");
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn budget_runs_out() {
        let b = RetryBudget::new(2);
        assert!(b.take() && b.take());
        assert!(!b.take());
        assert_eq!(b.remaining(), 0);
    }

    #[test]
    fn backoff_stays_under_the_ceiling_and_honours_retry_after() {
        let config = Arc::new(ClientConfig {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(250),
            ..ClientConfig::default()
        });
        let limits = Limits::new(&config);
        let client = HttpClient::new(config, Auth::Bearer, None, limits).unwrap();
        for attempt in 0..10 {
            assert!(client.backoff(attempt, None) <= Duration::from_millis(250));
        }
        assert!(client.backoff(0, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
    }

    #[test]
    fn penalty_grows_on_429_and_decays() {
        let p = Pacer::new(None);
        p.throttled();
        assert_eq!(p.penalty(), MIN_PENALTY);
        p.throttled();
        assert_eq!(p.penalty(), MIN_PENALTY * 2);
        for _ in 0..100 {
            p.success();
        }
        assert_eq!(p.penalty(), Duration::ZERO);
    }
}
