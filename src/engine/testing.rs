//! Test doubles shared by the unit tests of the stages an engine drives (replay, judging).

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::{Engine, EngineError, EngineFuture, Reply, StartRequest, TurnInput};
use crate::corpus::Corpus;
use crate::model::{Run, System};

/// Answers a start with the case's own recording; fails the cases in `broken`.
pub(crate) struct SelfEngine {
    /// The recordings it answers from.
    pub corpus: Corpus,
    /// Cases whose start fails with a server error.
    pub broken: HashSet<String>,
    /// Starts asked for so far.
    pub starts: AtomicUsize,
    /// Every other evaluation answers with this (failing) evaluation run instead.
    pub flaky_with: Option<String>,
    /// Evaluations asked for so far.
    pub evaluations: AtomicUsize,
    /// Each start takes this long.
    pub delay: std::time::Duration,
    /// When set, every evaluation answers this (a run, none or an error).
    pub evaluation_answer: Option<Result<Option<Arc<Run>>, EngineError>>,
}

impl SelfEngine {
    /// Answers from `corpus`: nothing broken, flaky or slow.
    pub fn new(corpus: Corpus) -> SelfEngine {
        SelfEngine {
            corpus,
            broken: HashSet::new(),
            starts: AtomicUsize::new(0),
            flaky_with: None,
            evaluations: AtomicUsize::new(0),
            delay: std::time::Duration::ZERO,
            evaluation_answer: None,
        }
    }
}

impl Engine for SelfEngine {
    fn name(&self) -> &str {
        "recorded"
    }
    fn start<'a>(&'a self, r: &'a StartRequest) -> EngineFuture<'a, Reply> {
        Box::pin(async move {
            self.starts.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            let id = r.case_run_id.clone().unwrap_or_default();
            if self.broken.contains(&id) {
                return Err(EngineError::Server {
                    status: 500,
                    message: "boom".into(),
                    retry_after_ms: None,
                });
            }
            let run = self
                .corpus
                .get(&id)
                .cloned()
                .ok_or_else(|| EngineError::Miss(id.clone()))?;
            Ok(Reply {
                run_id: id,
                turn: 0,
                run,
            })
        })
    }
    fn send<'a>(&'a self, id: &'a str, _: &'a TurnInput) -> EngineFuture<'a, Reply> {
        Box::pin(async move {
            let run = self
                .corpus
                .get(id)
                .cloned()
                .ok_or_else(|| EngineError::Miss(id.into()))?;
            Ok(Reply {
                run_id: id.into(),
                turn: run.turns.len().saturating_sub(1),
                run,
            })
        })
    }
    fn get<'a>(&'a self, _: System, id: &'a str) -> EngineFuture<'a, Arc<Run>> {
        Box::pin(async move {
            self.corpus
                .get(id)
                .cloned()
                .ok_or_else(|| EngineError::Miss(id.into()))
        })
    }
    fn evaluation<'a>(
        &'a self,
        _: System,
        id: &'a str,
        _: Option<(&'a str, Option<i64>)>,
    ) -> EngineFuture<'a, Option<Arc<Run>>> {
        Box::pin(async move {
            let n = self.evaluations.fetch_add(1, Ordering::SeqCst);
            if let Some(answer) = &self.evaluation_answer {
                return answer.clone();
            }
            if let (Some(other), 1) = (&self.flaky_with, n % 2) {
                return Ok(self.corpus.get(other).cloned());
            }
            Ok(self.corpus.evaluation_of(id).cloned())
        })
    }
}
