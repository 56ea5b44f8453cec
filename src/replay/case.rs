//! One case: replayed (under the case timeout), judged (under its own bound), its snapshot
//! checked, its repeats folded into one row. Yields the typed [`CaseFinished`]; what happens
//! to it is the sinks' business.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::OwnedSemaphorePermit;

use super::{replay, Options, Progress};
use crate::corpus::Entry;
use crate::engine::{Engine, EngineError};
use crate::eval;
use crate::formats::Problem;
use crate::model::Run;
use crate::report::{CaseFinished, CaseRow, Event, Origin, Repeats, Verdict};
use crate::snapshot::{SnapshotCheck, SnapshotError};

/// What the case tasks tell the driver ([`super::run`]).
pub(super) enum Msg {
    /// Passed to the sinks as it is.
    Event(Event),
    /// A case is done; its slot in the reorder window is freed once every earlier case is.
    Done(Box<CaseFinished>, OwnedSemaphorePermit),
}

/// Everything a case task needs.
pub(super) struct Ctx {
    pub engine: Arc<dyn Engine>,
    pub eval: eval::Settings,
    pub snapshots: Arc<dyn SnapshotCheck>,
    pub options: Options,
}

/// One attempt's result.
struct Attempt {
    row: CaseRow,
    snapshot_error: Option<SnapshotError>,
    comment_failed: bool,
}

impl Ctx {
    /// `text` redacted for `case`'s row.
    fn line(&self, case: &Run, text: &str) -> String {
        self.options
            .redactor
            .line(case.workflow_id.as_deref(), text)
    }

    /// Copies the evaluation's typed outcome into the row.
    fn judged(row: &mut CaseRow, outcome: eval::Outcome) -> bool {
        row.eval_run_id = outcome.eval_run_id;
        row.eval_tokens = outcome.eval_tokens;
        row.score = outcome.score;
        row.assertions_failed = outcome.assertions_failed;
        row.turn_results = outcome.turn_results;
        row.verdict = outcome.verdict;
        row.reasons.extend(outcome.failures);
        row.reasons.extend(outcome.errors.iter().cloned());
        row.reasons.extend(outcome.notes);
        if !outcome.errors.is_empty() {
            row.error = Some(outcome.errors.join("; "));
        }
        outcome.comment_error.is_some()
    }
}

/// Marks `row` as an error for `why`.
fn errored(row: &mut CaseRow, why: String) {
    row.verdict = Verdict::Error;
    row.reasons.push(why.clone());
    row.error = Some(why);
}

/// One replay + evaluation of a case, as a row.
///
/// The case timeout bounds the replay; the evaluation has its own bound
/// ([`Options::eval_timeout`]), so a slow evaluator never turns a finished replay into an
/// error. A case given up after its run started keeps what that run spent, and a live run
/// left unfinished is stopped.
async fn attempt(ctx: &Ctx, case: &Run, tx: &UnboundedSender<Msg>) -> Attempt {
    let mut row = CaseRow::for_case(case);
    let progress = {
        let (tx, run_id) = (tx.clone(), case.run_id.clone());
        Progress::watched(move |turn| {
            let run_id = run_id.clone();
            let _ = tx.send(Msg::Event(Event::TurnReplayed { run_id, turn }));
        })
    };
    let work = replay(ctx.engine.as_ref(), case, &ctx.options, &progress);
    let why = match tokio::time::timeout(ctx.options.timeout, work).await {
        Err(_) => format!(
            "replay timed out after {} s",
            ctx.options.timeout.as_secs_f64()
        ),
        Ok(Err(e)) => ctx.line(case, &format!("replay: {e}")),
        Ok(Ok(replayed)) => {
            let judging = eval::judge(ctx.engine.as_ref(), case, &replayed.run, &ctx.eval);
            row.set_usage(&replayed.run);
            let mut comment_failed = false;
            match tokio::time::timeout(ctx.options.eval_timeout, judging).await {
                Ok(outcome) => comment_failed = Ctx::judged(&mut row, outcome),
                Err(_) => errored(
                    &mut row,
                    format!(
                        "evaluation timed out after {} s",
                        ctx.options.eval_timeout.as_secs_f64()
                    ),
                ),
            }
            let mut snapshot_error = None;
            match ctx.snapshots.check_with_text(case, &replayed.run) {
                Ok((s, text)) => {
                    row.snapshot = s;
                    row.snapshot_text = text;
                }
                Err(e) => {
                    row.reasons.push(ctx.line(case, &format!("snapshot: {e}")));
                    snapshot_error = Some(e);
                }
            }
            return Attempt {
                row,
                snapshot_error,
                comment_failed,
            };
        }
    };
    errored(&mut row, why);
    salvage(ctx, &progress, &mut row).await;
    Attempt {
        row,
        snapshot_error: None,
        comment_failed: false,
    }
}

/// How long salvaging a given-up live run may take: one look and one stop.
const SALVAGE_TIMEOUT: Duration = Duration::from_secs(15);

/// A case given up after its run started: the row keeps what the run did and spent (its
/// latest state, read once more from a live engine), and a live run that has not finished is
/// stopped, so nothing is left acting on the vendor's side.
async fn salvage(ctx: &Ctx, progress: &Progress, row: &mut CaseRow) {
    let Some((system, run_id, seen)) = progress.last() else {
        return;
    };
    let engine = ctx.engine.as_ref();
    let latest = if ctx.options.live {
        match tokio::time::timeout(SALVAGE_TIMEOUT, engine.get(system, &run_id)).await {
            Ok(Ok(run)) => run,
            _ => seen,
        }
    } else {
        seen
    };
    row.set_usage(&latest);
    if ctx.options.live && !latest.status.is_terminal() {
        let stopped = tokio::time::timeout(SALVAGE_TIMEOUT, engine.stop(system, &run_id)).await;
        match stopped {
            Ok(Ok(())) | Ok(Err(EngineError::Unsupported(_))) => {}
            Ok(Err(e)) => row.reasons.push(
                ctx.options
                    .redactor
                    .line(None, &format!("stop of live run {run_id}: {e}")),
            ),
            Err(_) => row
                .reasons
                .push(format!("stop of live run {run_id}: no answer")),
        }
    }
    if let Some(in_flight) = &ctx.options.in_flight {
        in_flight.finish(&run_id);
    }
}

/// A case whose document could not be read back from its file (it changed or went away
/// during the run): an error row naming the file, the case not replayed.
pub(super) fn unreadable(ctx: &Ctx, case: &Entry, problem: &Problem, seq: usize) -> CaseFinished {
    let mut row = CaseRow::new(
        &case.run_id,
        case.system().as_str(),
        case.workflow_id.as_deref().unwrap_or_default(),
    );
    row.version = case.version;
    let why = ctx
        .options
        .redactor
        .line(case.workflow_id.as_deref(), &problem.to_string());
    errored(&mut row, why);
    CaseFinished {
        seq,
        origin: Origin::Replayed,
        row,
        snapshot_errors: Vec::new(),
        comment_failed: false,
    }
}

/// A case with its repeats folded into one row: the case at `seq` in run-id order.
pub(super) async fn run_case(
    ctx: &Ctx,
    case: &Run,
    seq: usize,
    tx: &UnboundedSender<Msg>,
) -> CaseFinished {
    let _ = tx.send(Msg::Event(Event::CaseStarted {
        run_id: case.run_id.clone(),
    }));
    let n = ctx.options.repeat.max(1);
    let first = attempt(ctx, case, tx).await;
    let mut done = CaseFinished {
        seq,
        origin: Origin::Replayed,
        row: first.row,
        snapshot_errors: first.snapshot_error.into_iter().collect(),
        comment_failed: first.comment_failed,
    };
    if n == 1 {
        return done;
    }
    let need = ctx.options.pass_threshold.unwrap_or(n).clamp(1, n);
    let mut rep = Repeats {
        runs: 1,
        ..Repeats::default()
    };
    let mut errors = 0;
    let count = |v: Verdict, rep: &mut Repeats, errors: &mut u32| match v {
        Verdict::Pass => rep.passed += 1,
        Verdict::Fail => rep.failed += 1,
        Verdict::Error => *errors += 1,
        Verdict::None => {}
    };
    count(done.row.verdict, &mut rep, &mut errors);
    for _ in 1..n {
        let again = attempt(ctx, case, tx).await;
        done.comment_failed |= again.comment_failed;
        done.snapshot_errors.extend(again.snapshot_error);
        rep.runs += 1;
        count(again.row.verdict, &mut rep, &mut errors);
        for r in again.row.reasons {
            if !done.row.reasons.contains(&r) {
                done.row.reasons.push(r);
            }
        }
    }
    let first = &mut done.row;
    first.verdict = if rep.passed >= need {
        Verdict::Pass
    } else if rep.failed > 0 || rep.passed > 0 {
        Verdict::Fail
    } else if errors > 0 {
        Verdict::Error
    } else {
        Verdict::None
    };
    if first.verdict == Verdict::Fail {
        first.reasons.insert(
            0,
            format!(
                "passed {} of {} repeats (needs {need})",
                rep.passed, rep.runs
            ),
        );
    }
    first.repeats = Some(rep);
    done
}
