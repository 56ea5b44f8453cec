//! Cortex over HTTP (Bearer): start `POST /apps/{app_id}/workflows/{workflow_id}/runs`
//! {input, workflow_version_id}, poll `GET …/runs/{run_id}`, cancel `POST …/runs/{run_id}/cancel`,
//! list `GET …/runs?page=&take=` (following `next` when the server gives one).
//!
//! The app comes from the configuration (`--app-id`), or from a workflow id written
//! `APP/WORKFLOW`.

use std::sync::Arc;

use serde_json::json;

use crate::engine::http::calls::{get_page, get_run, get_run_raw, seg, start_single_shot, str_at};
use crate::engine::http::{Call, HttpClient, Known, ListQuery, Page, RetryBudget, VendorClient};
use crate::engine::{BoxFuture, EngineError, Reply, StartRequest};
use crate::model::Run;
use crate::vendors::Registry;

/// The Cortex client.
#[derive(Debug)]
pub struct Cortex {
    http: HttpClient,
    base: String,
    app_id: Option<String>,
}

impl Cortex {
    /// A client for the API at `base` (no trailing slash).
    pub fn new(http: HttpClient, base: String, app_id: Option<String>) -> Cortex {
        Cortex { http, base, app_id }
    }

    /// `…/apps/{app}/workflows/{workflow}/runs`.
    /// `…/apps/{app}/workflows/{workflow}/runs`. The app is the one the recorded run names
    /// (`app`), else `--app-id`, else the `APP` of a workflow id written `APP/WORKFLOW`.
    fn runs_url(
        &self,
        app: Option<&str>,
        workflow_id: Option<&str>,
    ) -> Result<String, EngineError> {
        let Some(workflow_id) = workflow_id else {
            return Err(EngineError::Unsupported(
                "a cortex run is reached through its workflow, which is unknown here".into(),
            ));
        };
        let (app, workflow) = match (app.or(self.app_id.as_deref()), workflow_id.split_once('/')) {
            (Some(app), _) => (app, workflow_id),
            (None, Some((app, wf))) => (app, wf),
            (None, None) => {
                return Err(EngineError::Unsupported(
                    "cortex needs an app id: the recording has no `app_id` (pass --app-id, or \
                     name the workflow APP/WORKFLOW)"
                        .into(),
                ))
            }
        };
        Ok(format!(
            "{}/apps/{}/workflows/{}/runs",
            self.base,
            seg(app),
            seg(workflow)
        ))
    }

    pub async fn start(
        &self,
        request: &StartRequest,
        budget: &RetryBudget,
    ) -> Result<Reply, EngineError> {
        let app = request.live.app_id.as_deref();
        let url = self.runs_url(app, Some(&request.workflow_id))?;
        let workflow = request.workflow_id.as_str();
        start_single_shot(
            &self.http,
            url,
            request,
            super::SYSTEM,
            Registry::builtin().adapters(),
            budget,
            |run_id| async move { self.get(app, Some(workflow), &run_id, budget).await },
        )
        .await
    }

    pub async fn get(
        &self,
        app: Option<&str>,
        workflow_id: Option<&str>,
        run_id: &str,
        budget: &RetryBudget,
    ) -> Result<Arc<Run>, EngineError> {
        let url = format!("{}/{}", self.runs_url(app, workflow_id)?, seg(run_id));
        get_run(
            &self.http,
            url,
            super::SYSTEM,
            Registry::builtin().adapters(),
            budget,
        )
        .await
    }

    pub async fn get_raw(
        &self,
        app: Option<&str>,
        workflow_id: Option<&str>,
        run_id: &str,
        budget: &RetryBudget,
    ) -> Result<Arc<[u8]>, EngineError> {
        let url = format!("{}/{}", self.runs_url(app, workflow_id)?, seg(run_id));
        get_run_raw(
            &self.http,
            url,
            super::SYSTEM,
            Registry::builtin().adapters(),
            budget,
        )
        .await
    }

    /// `POST …/runs/{run_id}/cancel`: repeatable (cancelling twice cancels once).
    pub async fn cancel(
        &self,
        app: Option<&str>,
        workflow_id: Option<&str>,
        run_id: &str,
        budget: &RetryBudget,
    ) -> Result<(), EngineError> {
        let url = format!(
            "{}/{}/cancel",
            self.runs_url(app, workflow_id)?,
            seg(run_id)
        );
        let call = Call::post(url, &json!({})).idempotent();
        self.http
            .send(&call, budget, |answer| answer.ok().map(|_| ()))
            .await
    }

    pub async fn list_page(
        &self,
        query: &ListQuery,
        budget: &RetryBudget,
    ) -> Result<Page, EngineError> {
        let mut url = format!(
            "{}?page={}&take={}",
            self.runs_url(None, query.workflow_id.as_deref())?,
            query.page,
            query.size
        );
        if let Some(next) = &query.cursor {
            url.push_str(&format!("&next={}", seg(next)));
        }
        get_page(&self.http, url, query.size, true, budget, |item| {
            str_at(item, &["id"]).map(str::to_owned)
        })
        .await
    }
}

impl VendorClient for Cortex {
    fn start<'a>(
        &'a self,
        request: &'a StartRequest,
        budget: &'a RetryBudget,
    ) -> BoxFuture<'a, Result<Reply, EngineError>> {
        Box::pin(Cortex::start(self, request, budget))
    }

    fn get<'a>(
        &'a self,
        run: Known<'a>,
        budget: &'a RetryBudget,
    ) -> BoxFuture<'a, Result<Arc<Run>, EngineError>> {
        Box::pin(Cortex::get(
            self,
            run.app_id,
            run.workflow_id,
            run.run_id,
            budget,
        ))
    }

    fn get_raw<'a>(
        &'a self,
        run: Known<'a>,
        budget: &'a RetryBudget,
    ) -> BoxFuture<'a, Result<Arc<[u8]>, EngineError>> {
        Box::pin(Cortex::get_raw(
            self,
            run.app_id,
            run.workflow_id,
            run.run_id,
            budget,
        ))
    }

    fn stop<'a>(
        &'a self,
        run: Known<'a>,
        budget: &'a RetryBudget,
    ) -> BoxFuture<'a, Result<(), EngineError>> {
        Box::pin(Cortex::cancel(
            self,
            run.app_id,
            run.workflow_id,
            run.run_id,
            budget,
        ))
    }

    fn list_page<'a>(
        &'a self,
        query: &'a ListQuery,
        budget: &'a RetryBudget,
    ) -> BoxFuture<'a, Result<Page, EngineError>> {
        Box::pin(Cortex::list_page(self, query, budget))
    }
}
