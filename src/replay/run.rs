//! The driver: dispatches the cases with bounded concurrency, turns what happens into
//! [`Event`]s and hands each to every sink, in the order things happen. It opens no file.
//!
//! Finished cases reach the sinks in finish order; the reorder adapter
//! ([`Ordered`](crate::report::Ordered)) in front of the report files puts them in run-id
//! order. The driver bounds how far ahead of the first unfinished case dispatch may run (the
//! reorder window), so the rows waiting in that adapter stay bounded however slow one case is.
//! Ctrl-C stops dispatching, lets in-flight cases finish and ends the run as interrupted.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use super::case::{run_case, unreadable, Ctx, Msg};
use super::{Cases, Options, Summary};
use crate::engine::Engine;
use crate::eval;
use crate::report::{CaseFinished, Event, Origin, Sink, SinkError};
use crate::snapshot::SnapshotCheck;

/// Replays `cases` (in run-id order; each read when its turn comes) through `engine`, judging each with `eval` and checking
/// its snapshot with `snapshots`, and hands every [`Event`] to each of `sinks` in turn. The
/// first sink error stops the run (nothing more is dispatched) and is returned: it names the
/// file.
pub async fn run(
    engine: Arc<dyn Engine>,
    cases: Cases,
    eval: eval::Settings,
    snapshots: Arc<dyn SnapshotCheck>,
    mut options: Options,
    sinks: &mut [&mut dyn Sink],
) -> Result<Summary, SinkError> {
    let mut emit = |event: &Event| sinks.iter_mut().try_for_each(|s| s.event(event));
    let mut finished = std::mem::take(&mut options.finished);
    let resumed = cases
        .entries()
        .filter(|c| finished.contains_key(&*c.run_id))
        .count();
    emit(&Event::RunStarted {
        cases: cases.len() as u64,
        resumed: resumed as u64,
    })?;

    let jobs = options.jobs.max(1);
    let ctx = Arc::new(Ctx {
        engine,
        eval,
        snapshots,
        options,
    });
    let cancelled = Arc::new(AtomicBool::new(false));
    on_ctrl_c(ctx.clone(), cancelled.clone());

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let running = Arc::new(Semaphore::new(jobs));
    // Rows waiting for an earlier one are bounded: memory stays flat however slow one case is.
    let window = Arc::new(Semaphore::new(jobs * 64 + 64));
    let dispatcher = {
        let cancelled = cancelled.clone();
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let cases = Arc::new(cases);
            for seq in 0..cases.len() {
                if cancelled.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(slot) = window.clone().acquire_owned().await else {
                    break;
                };
                if let Some(row) = finished.remove(&*cases.entry(seq).run_id) {
                    let done = CaseFinished {
                        seq,
                        origin: Origin::Journal,
                        row,
                        snapshot_errors: Vec::new(),
                        comment_failed: false,
                    };
                    if tx.send(Msg::Done(Box::new(done), slot)).is_err() {
                        break;
                    }
                    continue;
                }
                let Ok(permit) = running.clone().acquire_owned().await else {
                    break;
                };
                if cancelled.load(Ordering::SeqCst) {
                    break;
                }
                let (tx, ctx, cases) = (tx.clone(), ctx.clone(), cases.clone());
                tokio::spawn(async move {
                    // Read back here, on the case's own task: cases parse on every worker.
                    let done = match cases.run(seq) {
                        Ok(case) => run_case(&ctx, &case, seq, &tx).await,
                        Err(problem) => unreadable(&ctx, cases.entry(seq), &problem, seq),
                    };
                    drop(permit);
                    let _ = tx.send(Msg::Done(Box::new(done), slot));
                });
            }
        })
    };

    let mut summary = Summary::default();
    // Window slots of finished cases, freed in run-id order.
    let mut slots: BTreeMap<usize, OwnedSemaphorePermit> = BTreeMap::new();
    let mut next = 0;
    let mut batch = Vec::with_capacity(GATHER_MAX);
    while rx.recv_many(&mut batch, GATHER_MAX).await > 0 {
        let gathered = batch.len();
        for msg in batch.drain(..) {
            let event = match msg {
                Msg::Event(event) => event,
                Msg::Done(done, slot) => {
                    match done.origin {
                        Origin::Replayed => summary.replayed += 1,
                        Origin::Journal => summary.resumed += 1,
                    }
                    summary.comment_errors += u64::from(done.comment_failed);
                    slots.insert(done.seq, slot);
                    while slots.remove(&next).is_some() {
                        next += 1;
                    }
                    let done = Arc::new(*done);
                    summary.snapshot_errors.add(&done);
                    Event::CaseFinished(done)
                }
            };
            if let Err(e) = emit(&event) {
                // Nothing more is dispatched; cases in flight end with the runtime.
                cancelled.store(true, Ordering::SeqCst);
                dispatcher.abort();
                return Err(e);
            }
        }
        if gathered < GATHER_MAX {
            // Let the next messages gather. Waking this thread for each one (a case sends
            // several) preempted a worker each time: on two cores the context switches cost
            // more than the sinks' own work. An async pause, not a blocked thread: on a
            // runtime of one thread (tests, embedders) the cases run meanwhile.
            tokio::time::sleep(GATHER_PAUSE).await;
        }
    }
    let _ = dispatcher.await;
    summary.interrupted = cancelled.load(Ordering::SeqCst);
    emit(&Event::RunFinished {
        interrupted: summary.interrupted,
        ended_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })?;
    Ok(summary)
}

/// Most messages the sinks take at once.
const GATHER_MAX: usize = 256;
/// How long the sinks let messages gather after a partial batch.
const GATHER_PAUSE: std::time::Duration = std::time::Duration::from_micros(500);

/// On Ctrl-C: stop dispatching, stop the live runs in flight; a second Ctrl-C quits at once.
fn on_ctrl_c(ctx: Arc<Ctx>, cancelled: Arc<AtomicBool>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancelled.store(true, Ordering::SeqCst);
            // Live runs must not go on acting on the vendor's side: stop them now (their
            // cases end as errors); recorded cases in flight just finish.
            if let Some(in_flight) = &ctx.options.in_flight {
                let stopped = in_flight.stop_all(ctx.engine.as_ref()).await;
                eprintln!(
                    "\ninterrupted: sent stop to {} live run(s) in flight",
                    stopped.len()
                );
            }
            eprintln!("\ninterrupted: finishing the cases in flight (Ctrl-C again to quit now)");
            // A second Ctrl-C quits at once; the journal already holds every finished case.
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
}
