//! Cortex over HTTP (Bearer): start `POST /apps/{app_id}/workflows/{workflow_id}/runs`
//! {input, workflow_version_id}, poll `GET …/runs/{run_id}`, cancel `POST …/runs/{run_id}/cancel`,
//! list `GET …/runs?page=&take=` (following `next` when the server gives one).
//!
//! The app comes from the configuration (`--app-id`), or from a workflow id written
//! `APP/WORKFLOW`.

use crate::engine::http::calls::seg;
use crate::engine::http::{
    HttpClient, HttpConfig, Known, ListQuery, RunUrls, SingleShot, VendorClient,
};
use crate::engine::{EngineError, StartRequest};
use crate::formats::Adapters;

/// Where Cortex runs are, under `base` (no trailing slash); `app_id` is `--app-id`.
#[derive(Debug)]
pub struct Cortex {
    base: String,
    app_id: Option<String>,
}

impl Cortex {
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
}

impl RunUrls for Cortex {
    fn start_url(&self, request: &StartRequest) -> Result<String, EngineError> {
        self.runs_url(request.live.app_id.as_deref(), Some(&request.workflow_id))
    }

    fn run_url(&self, run: Known<'_>) -> Result<String, EngineError> {
        let runs = self.runs_url(run.app_id, run.workflow_id)?;
        Ok(format!("{runs}/{}", seg(run.run_id)))
    }

    fn list_url(&self, query: &ListQuery) -> Result<String, EngineError> {
        let runs = self.runs_url(None, query.workflow_id.as_deref())?;
        let mut url = format!("{runs}?page={}&take={}", query.page, query.size);
        if let Some(next) = &query.cursor {
            url.push_str(&format!("&next={}", seg(next)));
        }
        Ok(url)
    }

    fn cursor(&self) -> bool {
        true
    }

    /// `POST …/runs/{run_id}/cancel`.
    fn cancel_url(&self, run: Known<'_>) -> Option<Result<String, EngineError>> {
        Some(self.run_url(run).map(|url| format!("{url}/cancel")))
    }
}

/// The client for the API at `base` (no trailing slash) over `http`.
pub(super) fn connect(
    http: HttpClient,
    base: String,
    config: &HttpConfig,
    adapters: &Adapters,
) -> Box<dyn VendorClient> {
    let urls = Cortex {
        base,
        app_id: config.cortex_app_id.clone(),
    };
    Box::new(SingleShot {
        http,
        system: super::SYSTEM,
        adapters: adapters.clone(),
        urls,
    })
}
