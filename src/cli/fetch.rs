//! `reprise fetch`: download runs from a live engine into a corpus folder.
//!
//! Exit codes: 0 when every listed run was written or already there; 3 when a run failed, the
//! list could not be read (an answer over `--max-response-bytes` included), or listing stopped
//! at `--max-pages` before the server said the list ended (the runs listed so far are written
//! either way).

use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::engine_args::EngineArgs;
use crate::engine::http::DEFAULT_MAX_RESPONSE_BYTES;
use crate::error::{RuntimeError, UsageError};
use crate::fetch::{fetch, FetchOptions, DEFAULT_MAX_PAGES};
use crate::model::System;
use crate::{Error, ExitStatus};

/// Arguments of `fetch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The system to download from: interactly, noxus or cortex.
    #[arg(long)]
    pub system: System,
    /// Only this workflow's runs (required for noxus and cortex).
    #[arg(long, value_name = "ID")]
    pub workflow: Option<String>,
    /// Only runs created at or after this time (e.g. 2026-01-01T00:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// At most this many runs (runs already on disk count).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Runs per list page.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub page_size: u32,
    /// At most this many list pages; listing stops there (exit 3) unless the list ended.
    /// A page that brings no new run id ends the list anyway.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_PAGES)]
    pub max_pages: u32,
    /// Largest answer (list page or run) read, in bytes; a larger one is an error naming its
    /// URL, and reading stops as soon as the limit is passed. Default 64 MiB.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_RESPONSE_BYTES)]
    pub max_response_bytes: u64,
    /// The corpus folder; runs go to OUT/SYSTEM/RUN_ID.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Live engine flags (--base-url, --token-env, timeouts, retries, --rps, ...).
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Runs `fetch`: exit 0 when every listed run was written or already there and the list was
/// read to its end, 3 otherwise.
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    if args.system.profile().runs().lists_per_workflow && args.workflow.is_none() {
        return Err(UsageError::FetchNeedsWorkflow {
            system: args.system,
        }
        .into());
    }
    if args.max_pages == 0 || args.max_response_bytes == 0 {
        return Err(UsageError::FetchLimitZero.into());
    }
    let mut config = args.engine.http_config()?;
    config.client.max_response_bytes = args.max_response_bytes;
    if !config.tokens.contains_key(&args.system) {
        // Never the value: only which variable was read.
        eprintln!(
            "reprise: warning: no API token for {} (set {})",
            args.system,
            args.engine.token_env.join(", ")
        );
    }
    let engine = Arc::new(
        crate::vendors::Registry::builtin()
            .http_engine(config)
            .map_err(RuntimeError::from)?,
    );
    let options = FetchOptions {
        system: args.system,
        workflow_id: args.workflow,
        since: args.since,
        limit: args.limit,
        out: args.out,
        page_size: args.page_size,
        max_pages: args.max_pages,
        concurrency: args.engine.http_concurrency,
        progress: true,
    };
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
