//! `reprise fetch`: the flags of [`crate::commands::fetch`].

use std::path::PathBuf;

use crate::cli::engine_args::EngineArgs;
use crate::commands::fetch::FetchCommand;
use crate::engine::http::DEFAULT_MAX_RESPONSE_BYTES;
use crate::fetch::{FetchOptions, DEFAULT_MAX_PAGES};
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

/// Runs `fetch` (see [`crate::commands::fetch::run`]); the live client's settings come from
/// the engine flags, built when the command asks for them.
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    let Args { engine, .. } = &args;
    let command = FetchCommand {
        fetch: FetchOptions {
            system: args.system,
            workflow_id: args.workflow.clone(),
            since: args.since.clone(),
            limit: args.limit,
            out: args.out.clone(),
            page_size: args.page_size,
            max_pages: args.max_pages,
            concurrency: engine.http_concurrency,
            progress: true,
        },
        max_response_bytes: args.max_response_bytes,
        token_env: engine.token_env.clone(),
    };
    crate::commands::fetch::run(command, || engine.http_config())
}
