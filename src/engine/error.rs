//! [`EngineError`]: why an engine could not answer, typed so the replay stage can tell a miss
//! from a timeout from a server failure, and what a failure proves about a request that may
//! have acted.

/// Why an engine could not answer.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum EngineError {
    /// No recording matches the inputs. The text names the nearest recordings (redacted).
    #[error("no recording matches: {0}")]
    Miss(String),
    /// The engine did not answer in time.
    #[error("timed out after {0} ms")]
    Timeout(u64),
    /// 429; `retry_after_ms` from Retry-After when given.
    #[error("rate limited{}", after(*retry_after_ms))]
    RateLimited { retry_after_ms: Option<u64> },
    /// A 5xx answer; `retry_after_ms` from Retry-After when given.
    #[error("server error {status}{}: {message}", after(*retry_after_ms))]
    Server {
        status: u16,
        message: String,
        retry_after_ms: Option<u64>,
    },
    /// A 4xx answer other than 401, 403 and 429: final, except 408, 409 and 425.
    #[error("refused with HTTP {status}: {message}")]
    Refused { status: u16, message: String },
    /// No connection could be made: the request never left.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// An answer that is not what the API documents.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// 401/403.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The connection failed or dropped after the request may have been sent.
    #[error("transport: {0}")]
    Transport(String),
    /// A request failed on every attempt its limits allowed (`--retries` per request, the
    /// run's `--retry-budget`): the last failure, and why no more attempts were made.
    #[error("{last} (gave up after {attempts} attempt{}{})",
        if *attempts == 1 { "" } else { "s" },
        if *budget_spent { ": the run's retry budget is spent" } else { "" })]
    Exhausted {
        attempts: u32,
        budget_spent: bool,
        last: Box<EngineError>,
    },
    /// A request that may have been acted on failed, and was deliberately not sent again (it
    /// could act twice): the text says what to check.
    #[error("{0}")]
    Unsure(String),
    /// The system has no such operation (Noxus has no stop and no comments).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// An answer body passed the size limit (`--max-response-bytes`); reading stopped there.
    /// Not retried: the same request would bring the same answer.
    #[error("the answer of {url} is larger than {limit} bytes (--max-response-bytes); reading stopped there")]
    TooLarge { url: String, limit: u64 },
    /// A recording could not be read back from its file (it changed or went away during the
    /// run): the text names the file.
    #[error("{0}")]
    Recording(String),
}

/// ` (retry after N ms)` when the server said so.
fn after(retry_after_ms: Option<u64>) -> String {
    retry_after_ms
        .map(|ms| format!(" (retry after {ms} ms)"))
        .unwrap_or_default()
}

/// 4xx statuses that say "not now" rather than "never": 408, 409 and 425.
const TRANSIENT_4XX: [u16; 3] = [408, 409, 425];

impl EngineError {
    /// Worth trying again (after a back-off) for a request that is safe to repeat: a GET, or
    /// anything the server cannot have acted on.
    pub fn is_retryable(&self) -> bool {
        match self {
            EngineError::Timeout(_)
            | EngineError::RateLimited { .. }
            | EngineError::Server { .. }
            | EngineError::Connect(_)
            | EngineError::Transport(_)
            | EngineError::Malformed(_) => true,
            EngineError::Refused { status, .. } => TRANSIENT_4XX.contains(status),
            EngineError::Miss(_)
            | EngineError::Unauthorized(_)
            | EngineError::Exhausted { .. }
            | EngineError::TooLarge { .. }
            | EngineError::Unsure(_)
            | EngineError::Unsupported(_)
            | EngineError::Recording(_) => false,
        }
    }

    /// The failure proves the server did not act on the request, so even a request with side
    /// effects may be sent again: no connection was made, 429, 503 with Retry-After, or 408,
    /// 409 and 425. A timeout, a dropped connection, another 5xx or a malformed answer may
    /// come after the server acted.
    pub fn proves_unprocessed(&self) -> bool {
        match self {
            EngineError::Connect(_) | EngineError::RateLimited { .. } => true,
            EngineError::Server {
                status: 503,
                retry_after_ms: Some(_),
                ..
            } => true,
            EngineError::Refused { status, .. } => TRANSIENT_4XX.contains(status),
            _ => false,
        }
    }

    /// The request may have reached the server and been acted on, and is worth checking on:
    /// retryable, but not proven unprocessed.
    pub fn may_have_acted(&self) -> bool {
        self.is_retryable() && !self.proves_unprocessed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_plainly() {
        let limited = EngineError::RateLimited {
            retry_after_ms: Some(1000),
        };
        assert_eq!(limited.to_string(), "rate limited (retry after 1000 ms)");
        let limited = EngineError::RateLimited {
            retry_after_ms: None,
        };
        assert_eq!(limited.to_string(), "rate limited");
        let busy = EngineError::Server {
            status: 503,
            message: "busy".into(),
            retry_after_ms: Some(2000),
        };
        assert_eq!(
            busy.to_string(),
            "server error 503 (retry after 2000 ms): busy"
        );
    }

    #[test]
    fn what_proves_a_request_unprocessed() {
        let server = |status, retry_after_ms| EngineError::Server {
            status,
            message: String::new(),
            retry_after_ms,
        };
        let refused = |status| EngineError::Refused {
            status,
            message: String::new(),
        };
        let unprocessed = [
            EngineError::Connect("refused".into()),
            EngineError::RateLimited {
                retry_after_ms: None,
            },
            server(503, Some(1000)),
            refused(408),
            refused(409),
            refused(425),
        ];
        for e in &unprocessed {
            assert!(e.proves_unprocessed() && e.is_retryable(), "{e:?}");
            assert!(!e.may_have_acted(), "{e:?}");
        }
        let maybe_acted = [
            server(503, None),
            server(500, Some(1000)),
            EngineError::Timeout(5),
            EngineError::Transport("reset".into()),
            EngineError::Malformed("half".into()),
        ];
        for e in &maybe_acted {
            assert!(e.may_have_acted(), "{e:?}");
        }
        for e in [
            refused(404),
            refused(422),
            EngineError::Unauthorized("401".into()),
            EngineError::Unsure("x".into()),
        ] {
            assert!(!e.is_retryable() && !e.may_have_acted(), "{e:?}");
        }
    }
}
