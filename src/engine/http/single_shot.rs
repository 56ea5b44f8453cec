//! The client of a single-shot API (Noxus, Cortex): a run is started by one POST, polled by
//! GET until it rests, listed by pages, and perhaps cancelled by one POST. A vendor says only
//! where ([`RunUrls`]); the calls, checks and resend rules are the same for all.

use std::sync::Arc;

use super::calls::{get_page, get_run, get_run_raw, start_single_shot, str_at};
use super::{Call, HttpClient, Known, ListQuery, Page, RetryBudget, VendorClient};
use crate::engine::{EngineError, EngineFuture, Reply, StartRequest};
use crate::formats::Adapters;
use crate::model::{Run, System};

/// Where a single-shot vendor's runs are: all a vendor says of its API.
pub(crate) trait RunUrls: Send + Sync + std::fmt::Debug {
    /// The POST that starts a run of `request`.
    fn start_url(&self, request: &StartRequest) -> Result<String, EngineError>;
    /// The GET of a run.
    fn run_url(&self, run: Known<'_>) -> Result<String, EngineError>;
    /// The GET of a page of the run list.
    fn list_url(&self, query: &ListQuery) -> Result<String, EngineError>;
    /// The list has a server cursor (`next`) to follow.
    fn cursor(&self) -> bool;
    /// The POST that cancels a run, when the API has one (repeatable: cancelling twice
    /// cancels once).
    fn cancel_url(&self, run: Known<'_>) -> Option<Result<String, EngineError>> {
        let _ = run;
        None
    }
}

/// The live client of a single-shot API at `urls`.
#[derive(Debug)]
pub(crate) struct SingleShot<U> {
    /// The shared client.
    pub http: HttpClient,
    /// The system the runs are of.
    pub system: System,
    /// The adapters its answers are read with.
    pub adapters: Adapters,
    /// Where the runs are.
    pub urls: U,
}

impl<U: RunUrls> SingleShot<U> {
    fn http(&self) -> &HttpClient {
        &self.http
    }
    fn system(&self) -> System {
        self.system
    }
    fn adapters(&self) -> &Adapters {
        &self.adapters
    }
}

impl<U: RunUrls> VendorClient for SingleShot<U> {
    /// Starts a run and polls it until it rests (or settles where the recording did). The
    /// reply is turn 0.
    fn start<'a>(
        &'a self,
        request: &'a StartRequest,
        budget: &'a RetryBudget,
    ) -> EngineFuture<'a, Reply> {
        Box::pin(async move {
            let url = self.urls.start_url(request)?;
            let (system, adapters) = (self.system(), self.adapters());
            let get = |run_id: String| async move {
                let run = Known {
                    run_id: &run_id,
                    workflow_id: Some(&request.workflow_id),
                    app_id: request.live.app_id.as_deref(),
                };
                self.get(run, budget).await
            };
            start_single_shot(self.http(), url, request, system, adapters, budget, get).await
        })
    }

    fn get<'a>(&'a self, run: Known<'a>, budget: &'a RetryBudget) -> EngineFuture<'a, Arc<Run>> {
        Box::pin(async move {
            let url = self.urls.run_url(run)?;
            get_run(self.http(), url, self.system(), self.adapters(), budget).await
        })
    }

    fn get_raw<'a>(
        &'a self,
        run: Known<'a>,
        budget: &'a RetryBudget,
    ) -> EngineFuture<'a, Arc<[u8]>> {
        Box::pin(async move {
            let url = self.urls.run_url(run)?;
            get_run_raw(self.http(), url, self.system(), self.adapters(), budget).await
        })
    }

    fn stop<'a>(&'a self, run: Known<'a>, budget: &'a RetryBudget) -> EngineFuture<'a, ()> {
        Box::pin(async move {
            let Some(url) = self.urls.cancel_url(run) else {
                return Err(EngineError::Unsupported(format!(
                    "stop on {}",
                    self.system()
                )));
            };
            let call = Call::post(url?, &serde_json::json!({})).idempotent();
            self.http()
                .send(&call, budget, |answer| answer.ok().map(|_| ()))
                .await
        })
    }

    fn list_page<'a>(
        &'a self,
        query: &'a ListQuery,
        budget: &'a RetryBudget,
    ) -> EngineFuture<'a, Page> {
        Box::pin(async move {
            let url = self.urls.list_url(query)?;
            get_page(
                self.http(),
                url,
                query.size,
                self.urls.cursor(),
                budget,
                |item| str_at(item, &["id"]).map(str::to_owned),
            )
            .await
        })
    }
}
