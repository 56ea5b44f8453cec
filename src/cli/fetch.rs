//! `reprise fetch`: download runs from a live engine into a corpus folder.

use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::engine_args::EngineArgs;
use crate::fetch::{fetch, FetchOptions};
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
    /// The corpus folder; runs go to OUT/SYSTEM/RUN_ID.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Live engine flags (--base-url, --token-env, timeouts, retries, --rps, ...).
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Runs `fetch`: exit 0 when every listed run was written or already there, 3 otherwise.
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    if args.system != System::Interactly && args.workflow.is_none() {
        return Err(Error::Usage(format!(
            "fetching {} runs needs --workflow",
            args.system
        )));
    }
    let config = args.engine.http_config()?;
    if !config.tokens.contains_key(&args.system) {
        // Never the value: only which variable was read.
        eprintln!(
            "reprise: warning: no API token for {} (set {})",
            args.system,
            args.engine.token_env.join(", ")
        );
    }
    let engine = Arc::new(
        crate::engine::http::HttpEngine::new(config).map_err(|e| Error::Engine(e.to_string()))?,
    );
    let options = FetchOptions {
        system: args.system,
        workflow_id: args.workflow,
        since: args.since,
        limit: args.limit,
        out: args.out,
        page_size: args.page_size,
        concurrency: args.engine.http_concurrency,
        progress: true,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Engine(format!("cannot start the async runtime: {e}")))?;
    let summary = runtime
        .block_on(fetch(engine, &options))
        .map_err(|e| Error::Engine(e.to_string()))?;
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
    Ok(if summary.failed.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Engine
    })
}
