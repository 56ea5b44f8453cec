//! Engine flags shared by the commands that talk to an engine (`run` flattens them, `fetch`
//! uses the live part): which engine, where the live systems are, tokens from the environment,
//! secret variables, side effects, timeouts, retries and pacing, record mode.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::http::{ClientConfig, Generation, HttpConfig, HttpEngine, Token};
use crate::engine::record::RecordingEngine;
use crate::engine::Engine;
use crate::error::{RuntimeError, UsageError};
use crate::model::System;
use crate::vendors::Registry;
use crate::Error;

/// Which engine answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineKind {
    /// The embedded recorded engine.
    #[default]
    Recorded,
    /// The vendors' live HTTP APIs.
    Http,
}

/// Engine flags.
#[derive(Debug, Clone, clap::Args)]
pub struct EngineArgs {
    /// Which engine replays the cases.
    #[arg(long, value_enum, default_value_t = EngineKind::Recorded)]
    pub engine: EngineKind,
    /// Base URL of the live API: `URL` for every system, or `SYSTEM=URL` (repeatable).
    #[arg(long = "base-url", value_name = "[SYSTEM=]URL")]
    pub base_url: Vec<String>,
    /// Environment variable holding the API token: `VAR`, or `SYSTEM=VAR` (repeatable).
    /// Tokens never come from the command line.
    #[arg(
        long = "token-env",
        value_name = "[SYSTEM=]VAR",
        default_value = "REPRISE_TOKEN"
    )]
    pub token_env: Vec<String>,
    /// An Interactly secret variable for live runs, read from an environment variable:
    /// `NAME=ENVVAR` (repeatable).
    #[arg(long = "secret-var", value_name = "NAME=ENVVAR")]
    pub secret_var: Vec<String>,
    /// Replay live even cases whose workflow can act on the outside world (SMS, bookings,
    /// external APIs, MCP servers).
    #[arg(long)]
    pub allow_side_effects: bool,
    /// Interactly execute request shape.
    #[arg(long, value_enum, default_value_t = Generation::Current)]
    pub interactly_api: Generation,
    /// The Cortex app the workflows belong to.
    #[arg(long, value_name = "ID")]
    pub app_id: Option<String>,
    /// Connect timeout, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 5_000)]
    pub connect_timeout_ms: u64,
    /// Timeout of one request, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 60_000)]
    pub request_timeout_ms: u64,
    /// How long a live run may take to rest (finish or wait for input), in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub run_timeout_secs: u64,
    /// Interval between polls of a working run, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub poll_ms: u64,
    /// How long to wait for Interactly's own evaluation run, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub eval_wait_secs: u64,
    /// Retries of one request.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,
    /// Retries one run may spend in all.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub retry_budget: u32,
    /// Requests per second over the whole engine.
    #[arg(long, value_name = "N")]
    pub rps: Option<f64>,
    /// Requests in flight at once.
    #[arg(long = "http-concurrency", value_name = "N", default_value_t = 32)]
    pub http_concurrency: usize,
    /// Record mode: misses of the recorded engine go to the live engine and its answers are
    /// saved as new recordings.
    #[arg(long)]
    pub record: bool,
    /// Where record mode writes new recordings.
    #[arg(long, value_name = "DIR", default_value = "recordings")]
    pub record_dir: PathBuf,
}

impl Default for EngineArgs {
    fn default() -> Self {
        EngineArgs {
            engine: EngineKind::Recorded,
            base_url: Vec::new(),
            token_env: vec!["REPRISE_TOKEN".into()],
            secret_var: Vec::new(),
            allow_side_effects: false,
            interactly_api: Generation::Current,
            app_id: None,
            connect_timeout_ms: 5_000,
            request_timeout_ms: 60_000,
            run_timeout_secs: 600,
            poll_ms: 500,
            eval_wait_secs: 120,
            retries: 5,
            retry_budget: 20,
            rps: None,
            http_concurrency: 32,
            record: false,
            record_dir: PathBuf::from("recordings"),
        }
    }
}

impl EngineArgs {
    /// True when a live engine is needed (`--engine http` or `--record`).
    pub fn is_live(&self) -> bool {
        self.engine == EngineKind::Http || self.record
    }

    /// The live engine's configuration, with tokens and secrets read from the environment.
    pub fn http_config(&self) -> Result<HttpConfig, Error> {
        let base_urls = per_system(&self.base_url, "--base-url")?;
        if base_urls.is_empty() {
            return Err(UsageError::NoBaseUrl.into());
        }
        let mut tokens = BTreeMap::new();
        for (system, var) in per_system(&self.token_env, "--token-env")? {
            if let Some(token) = Token::from_env(&var) {
                tokens.insert(system, token);
            }
        }
        let mut secret_variables = BTreeMap::new();
        for spec in &self.secret_var {
            let Some((name, var)) = spec.split_once('=') else {
                return Err(UsageError::SecretVarSyntax { spec: spec.clone() }.into());
            };
            let token = Token::from_env(var).ok_or_else(|| UsageError::SecretVarUnset {
                name: name.to_owned(),
                var: var.to_owned(),
            })?;
            secret_variables.insert(name.to_owned(), token);
        }
        if let Some(rps) = self.rps {
            if !(rps.is_finite() && rps > 0.0) {
                return Err(UsageError::Rps { rps }.into());
            }
        }
        Ok(HttpConfig {
            client: ClientConfig {
                connect_timeout: Duration::from_millis(self.connect_timeout_ms),
                request_timeout: Duration::from_millis(self.request_timeout_ms),
                max_retries: self.retries,
                retry_budget: self.retry_budget,
                rps: self.rps,
                concurrency: self.http_concurrency.max(1),
                poll_interval: Duration::from_millis(self.poll_ms),
                run_timeout: Duration::from_secs(self.run_timeout_secs),
                ..ClientConfig::default()
            },
            base_urls,
            tokens,
            secret_variables,
            interactly_generation: self.interactly_api,
            cortex_app_id: self.app_id.clone(),
            eval_wait: Duration::from_secs(self.eval_wait_secs),
        })
    }

    /// Builds the live engine.
    pub fn http_engine(&self) -> Result<HttpEngine, Error> {
        Ok(Registry::builtin()
            .http_engine(self.http_config()?)
            .map_err(RuntimeError::from)?)
    }

    /// The engine these flags ask for, given the recorded engine: the recorded engine itself,
    /// the live engine (`--engine http`), or the recorded engine backed by the live one
    /// (`--record`, recordings written to `--record-dir`).
    pub fn build(&self, recorded: Arc<dyn Engine>) -> Result<Arc<dyn Engine>, Error> {
        if self.record {
            let live = Arc::new(self.http_engine()?);
            return Ok(Arc::new(RecordingEngine::new(
                recorded,
                live,
                self.record_dir.clone(),
            )));
        }
        match self.engine {
            EngineKind::Recorded => Ok(recorded),
            EngineKind::Http => Ok(Arc::new(self.http_engine()?)),
        }
    }
}

/// `VALUE` (every system) or `SYSTEM=VALUE` entries; a later entry wins for its system.
fn per_system(specs: &[String], flag: &str) -> Result<BTreeMap<System, String>, Error> {
    let mut out = BTreeMap::new();
    for spec in specs {
        let named = spec
            .split_once('=')
            .and_then(|(name, value)| Some((Registry::builtin().system(name)?, value)));
        match named {
            Some((system, value)) => {
                if value.is_empty() {
                    return Err(UsageError::EmptySystemValue {
                        flag: flag.to_owned(),
                        spec: spec.clone(),
                    }
                    .into());
                }
                out.insert(system, value.to_owned());
            }
            None => {
                if spec.is_empty() {
                    return Err(UsageError::EmptyValue {
                        flag: flag.to_owned(),
                    }
                    .into());
                }
                for system in Registry::builtin().systems() {
                    out.insert(system, spec.clone());
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::{cortex, interactly, noxus};

    #[test]
    fn base_urls_for_all_or_one_system() {
        let m = per_system(
            &[
                "http://all".into(),
                "noxus=http://nox?a=b".into(),
                "http://x?a=b".into(),
                "cortex=http://cx".into(),
            ],
            "--base-url",
        )
        .unwrap();
        assert_eq!(m[&interactly::SYSTEM], "http://x?a=b");
        assert_eq!(m[&noxus::SYSTEM], "http://x?a=b");
        assert_eq!(m[&cortex::SYSTEM], "http://cx");
        assert!(per_system(&["noxus=".into()], "--base-url").is_err());
    }

    #[test]
    fn tokens_and_secrets_come_from_the_environment_and_print_masked() {
        std::env::set_var("REPRISE_TEST_TOKEN_EA", "tok-123");
        std::env::set_var("REPRISE_TEST_SECRET_EA", "s3cret");
        let args = EngineArgs {
            base_url: vec!["http://127.0.0.1:1".into()],
            token_env: vec!["REPRISE_TEST_TOKEN_EA".into()],
            secret_var: vec!["athena_key=REPRISE_TEST_SECRET_EA".into()],
            ..EngineArgs::default()
        };
        let config = args.http_config().unwrap();
        assert_eq!(config.tokens.len(), 3);
        assert_eq!(config.secret_variables.len(), 1);
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("tok-123") && !shown.contains("s3cret"),
            "{shown}"
        );
        let missing = EngineArgs {
            secret_var: vec!["x=REPRISE_TEST_UNSET_EA".into()],
            ..args.clone()
        };
        assert!(missing.http_config().is_err());
        assert!(EngineArgs::default().http_config().is_err());
    }

    struct Stub;

    impl Engine for Stub {
        fn name(&self) -> &str {
            "stub"
        }
        fn start<'a>(
            &'a self,
            _: &'a crate::engine::StartRequest,
        ) -> crate::engine::EngineFuture<'a, crate::engine::Reply> {
            Box::pin(async { Err(crate::engine::EngineError::Miss(String::new())) })
        }
    }

    #[test]
    fn the_flags_pick_the_engine() {
        let recorded: Arc<dyn Engine> = Arc::new(Stub);
        let name = |args: &EngineArgs| args.build(recorded.clone()).unwrap().name().to_owned();
        let mut args = EngineArgs::default();
        assert_eq!(name(&args), "stub");
        args.base_url = vec!["http://127.0.0.1:1".into()];
        args.engine = EngineKind::Http;
        assert_eq!(name(&args), "http");
        args.record = true;
        assert_eq!(name(&args), "record");
        args.base_url.clear();
        assert!(args.build(recorded.clone()).is_err());
    }
}
