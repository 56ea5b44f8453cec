//! `reprise fetch`: download runs from a live engine into a corpus folder.
//!
//! Exit codes: 0 when every listed run was written or already there; 3 when a run failed, the
//! list could not be read (an answer over `--max-response-bytes` included), or listing stopped
//! at `--max-pages` before the server said the list ended (the runs listed so far are written
//! either way).

use std::sync::Arc;

use crate::engine::http::HttpConfig;
use crate::error::{RuntimeError, UsageError};
use crate::fetch::{fetch, FetchOptions};
use crate::{Error, ExitStatus};

/// What `reprise fetch` was asked (the live client's settings come apart, see [`run`]).
#[derive(Debug, Clone)]
pub struct FetchCommand {
    /// What to download and where.
    pub fetch: FetchOptions,
    /// Largest answer read, in bytes.
    pub max_response_bytes: u64,
    /// The environment variables the token is read from (named in the missing-token warning).
    pub token_env: Vec<String>,
}

/// Runs `fetch`: exit 0 when every listed run was written or already there and the list was
/// read to its end, 3 otherwise. `http_config` builds the live client's settings from the
/// engine flags; it is called after the checks of the fetch's own options, so a usage error
/// of those is told first.
pub fn run(
    args: FetchCommand,
    http_config: impl FnOnce() -> Result<HttpConfig, Error>,
) -> Result<ExitStatus, Error> {
    let options = args.fetch;
    if options.system.profile().runs().lists_per_workflow && options.workflow_id.is_none() {
        return Err(UsageError::FetchNeedsWorkflow {
            system: options.system,
        }
        .into());
    }
    if options.max_pages == 0 || args.max_response_bytes == 0 {
        return Err(UsageError::FetchLimitZero.into());
    }
    let mut config = http_config()?;
    config.client.max_response_bytes = args.max_response_bytes;
    if !config.tokens.contains_key(&options.system) {
        // Never the value: only which variable was read.
        eprintln!(
            "reprise: warning: no API token for {} (set {})",
            options.system,
            args.token_env.join(", ")
        );
    }
    let engine = Arc::new(
        crate::vendors::Registry::builtin()
            .http_engine(config)
            .map_err(RuntimeError::from)?,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(RuntimeError::AsyncRuntime)?;
    let summary = runtime
        .block_on(fetch(engine, &options))
        .map_err(RuntimeError::from)?;
    println!(
        "fetched {} {} run(s) into {}: {} downloaded, {} already there, {} failed",
        summary.listed,
        options.system,
        options.out.display(),
        summary.downloaded,
        summary.skipped,
        summary.failed.len()
    );
    // A failure may quote a response body: its secrets never reach the terminal.
    let redactor = crate::redact::Redactor::secrets_only();
    for (run_id, why) in &summary.failed {
        eprintln!("reprise: {run_id}: {}", redactor.line(None, why));
    }
    if summary.cut_at_max_pages {
        eprintln!(
            "reprise: stopped after {} list page(s) (--max-pages {}) before the server said the list ended; \
             runs after that page were not fetched (raise --max-pages, or narrow with --since)",
            summary.pages, options.max_pages
        );
    }
    Ok(if summary.failed.is_empty() && !summary.cut_at_max_pages {
        ExitStatus::Success
    } else {
        ExitStatus::Engine
    })
}
