//! Listing a system's runs page by page and downloading each one; the bounds the module doc
//! of [`crate::fetch`] states.

use std::path::PathBuf;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinSet;

use crate::engine::http::{HttpEngine, ListQuery};
use crate::engine::record::write_private;
use crate::engine::EngineError;
use crate::model::System;
use crate::names::file_stem;

/// What to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The system to fetch from.
    pub system: System,
    /// Only this workflow's runs (required for Noxus and Cortex).
    pub workflow_id: Option<String>,
    /// Only runs created at or after this time (passed through as the server reads it).
    pub since: Option<String>,
    /// At most this many runs (counting runs already on disk).
    pub limit: Option<usize>,
    /// The corpus folder.
    pub out: PathBuf,
    /// Runs per list page.
    pub page_size: u32,
    /// At most this many list pages ([`DEFAULT_MAX_PAGES`] from the CLI).
    pub max_pages: u32,
    /// Runs downloaded at once.
    pub concurrency: usize,
    /// Show a progress bar (it is hidden anyway when stderr is no terminal).
    pub progress: bool,
}

/// The default of [`FetchOptions::max_pages`]: a million runs at the default page size.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

/// What a fetch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchSummary {
    /// Run ids listed (up to the limit).
    pub listed: usize,
    /// Runs written.
    pub downloaded: usize,
    /// Runs already on disk.
    pub skipped: usize,
    /// Runs that could not be fetched: id and why.
    pub failed: Vec<(String, String)>,
    /// List pages read.
    pub pages: u32,
    /// True when listing stopped at `max_pages` although the last page read did not end the
    /// list (it was full, brought new ids and the server did not say it was the last): runs
    /// after that page, if any, were not fetched.
    pub cut_at_max_pages: bool,
}

/// Why a fetch stopped before listing everything.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The run list could not be read.
    #[error("listing {system} runs (page {page}): {source}")]
    List {
        system: System,
        page: u32,
        #[source]
        source: EngineError,
    },
    /// The output folder could not be made.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Fetches runs as `options` say. A run that fails is listed in the summary; the rest go on.
pub async fn fetch(
    engine: Arc<HttpEngine>,
    options: &FetchOptions,
) -> Result<FetchSummary, FetchError> {
    let dir = options.out.join(options.system.as_str());
    std::fs::create_dir_all(&dir).map_err(|source| FetchError::Io {
        path: dir.clone(),
        source,
    })?;
    let bar = progress_bar(options.progress);
    let mut summary = FetchSummary::default();
    let mut tasks: JoinSet<(String, Result<(), String>)> = JoinSet::new();
    let limit = options.limit.unwrap_or(usize::MAX);
    let mut query = ListQuery {
        workflow_id: options.workflow_id.clone(),
        since: options.since.clone(),
        page: 1,
        size: options.page_size.max(1),
        cursor: None,
    };
    let mut seen = std::collections::HashSet::new();
    let max_pages = options.max_pages.max(1);
    'pages: while summary.listed < limit {
        if summary.pages >= max_pages {
            summary.cut_at_max_pages = true;
            break;
        }
        let page = engine
            .list_page(options.system, &query)
            .await
            .map_err(|source| FetchError::List {
                system: options.system,
                page: query.page,
                source,
            })?;
        summary.pages += 1;
        let mut fresh = 0;
        for run_id in page.run_ids.iter() {
            if summary.listed >= limit {
                break 'pages;
            }
            // A server that ignores `page` would repeat itself forever: stop at a repeat page.
            if !seen.insert(run_id.clone()) {
                continue;
            }
            fresh += 1;
            summary.listed += 1;
            let path = dir.join(format!("{}.json", file_stem(run_id)));
            if path.exists() {
                summary.skipped += 1;
                bar.inc(1);
                continue;
            }
            while tasks.len() >= options.concurrency.max(1) {
                if let Some(done) = tasks.join_next().await {
                    finish(done, &mut summary, &bar);
                }
            }
            let engine = engine.clone();
            let (system, workflow, run_id) =
                (options.system, options.workflow_id.clone(), run_id.clone());
            tasks.spawn(async move {
                let result = match engine.get_raw(system, workflow.as_deref(), &run_id).await {
                    Ok(body) => {
                        write_private(&path, &body).map_err(|e| format!("{}: {e}", path.display()))
                    }
                    Err(e) => Err(e.to_string()),
                };
                (run_id, result)
            });
        }
        if page.run_ids.is_empty() || fresh == 0 || (page.last && page.next.is_none()) {
            break;
        }
        query.page += 1;
        query.cursor = page.next;
    }
    while let Some(done) = tasks.join_next().await {
        finish(done, &mut summary, &bar);
    }
    bar.finish_and_clear();
    summary.failed.sort();
    Ok(summary)
}

fn finish(
    done: Result<(String, Result<(), String>), tokio::task::JoinError>,
    summary: &mut FetchSummary,
    bar: &ProgressBar,
) {
    bar.inc(1);
    match done {
        Ok((_, Ok(()))) => summary.downloaded += 1,
        Ok((run_id, Err(why))) => summary.failed.push((run_id, why)),
        Err(e) => summary.failed.push((String::new(), e.to_string())),
    }
}

fn progress_bar(show: bool) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if !show || !console::Term::stderr().features().is_attended() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} runs fetched ({per_sec})") {
        bar.set_style(style);
    }
    bar
}
