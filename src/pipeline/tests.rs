//! Replay over the fixtures with a small test engine that answers each case with itself:
//! into a report folder ([`replay_to_folder`], `--resume`, `--retry-errors`, `--repeat`), and
//! straight to test sinks ([`replay::run`]: the events, a sink failure stopping the run).

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::*;
use crate::corpus::{Corpus, LoadOptions};
use crate::engine::testing::SelfEngine;
use crate::eval;
use crate::model::Run;
use crate::replay::{run, NoSnapshots, Options};
use crate::report::{Event, RunMeta, Sink, SinkError, Stats};

fn engine(broken: &[&str]) -> Arc<SelfEngine> {
    Arc::new(SelfEngine {
        broken: broken.iter().map(|s| s.to_string()).collect(),
        ..SelfEngine::new(Corpus::load(
            &[PathBuf::from("fixtures")],
            &LoadOptions::default(),
        ))
    })
}

/// Replays `cases` into the report folder `out` (the journal's rows kept with `resume`, its
/// `error` rows replayed again with `retry_errors`).
async fn to_folder(
    e: Arc<SelfEngine>,
    cases: Vec<Arc<Run>>,
    out: &std::path::Path,
    mut options: Options,
    (resume, retry_errors): (bool, bool),
) -> (Summary, Stats) {
    if resume || retry_errors {
        let listed = Cases::from_runs(cases.clone());
        options.finished = resumable(out, &listed, retry_errors).unwrap().0;
    }
    let folder = Folder {
        out,
        meta: RunMeta::default(),
        progress: false,
        terminal: std::io::sink(),
    };
    replay_to_folder(
        e,
        cases,
        eval::Settings::default(),
        Arc::new(NoSnapshots),
        options,
        folder,
    )
    .await
    .unwrap()
}

async fn run_with(
    e: Arc<SelfEngine>,
    out: &std::path::Path,
    jobs: usize,
    resume: bool,
) -> (Summary, Stats) {
    let cases: Vec<Arc<Run>> = e.corpus.cases().cloned().collect();
    let options = Options {
        jobs,
        retries: 0,
        ..Options::default()
    };
    to_folder(e, cases, out, options, (resume, false)).await
}

#[tokio::test]
async fn fixtures_give_the_expected_verdicts_whatever_the_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let (_, stats) = run_with(engine(&[]), dir.path(), 1, false).await;
    let a = &stats.all;
    assert_eq!(
        (a.runs, a.passed, a.failed, a.errored, a.unevaluated),
        (22, 10, 5, 0, 7)
    );
    assert_eq!(stats.eval_tokens, 27886);
    assert_eq!(stats.total_credits, 5.375);
    let one = std::fs::read_to_string(dir.path().join("runs.csv")).unwrap();
    let dir8 = tempfile::tempdir().unwrap();
    run_with(engine(&[]), dir8.path(), 8, false).await;
    let eight = std::fs::read_to_string(dir8.path().join("runs.csv")).unwrap();
    assert_eq!(one, eight);
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 22);
}

#[tokio::test]
async fn an_engine_fault_is_an_error_and_resume_replays_only_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "69a59566eec3645a209c3946";
    let (_, stats) = run_with(engine(&[broken]), dir.path(), 4, false).await;
    assert_eq!(stats.all.errored, 1);
    let csv = std::fs::read_to_string(dir.path().join("runs.csv")).unwrap();
    let line = csv.lines().find(|l| l.starts_with(broken)).unwrap();
    assert!(
        line.contains(",error,") && line.contains("server error 500"),
        "{line}"
    );

    // --resume keeps everything, --retry-errors replays the one error.
    let e = engine(&[]);
    let (s, _) = run_with(e.clone(), dir.path(), 4, true).await;
    assert_eq!((s.resumed, s.replayed), (22, 0));
    assert_eq!(e.starts.load(Ordering::SeqCst), 0);
    let e = engine(&[]);
    let cases: Vec<Arc<Run>> = e.corpus.cases().cloned().collect();
    let (s, stats) = to_folder(
        e.clone(),
        cases,
        dir.path(),
        Options::default(),
        (false, true),
    )
    .await;
    assert_eq!((s.resumed, s.replayed, stats.all.errored), (21, 1, 0));
    assert_eq!(e.starts.load(Ordering::SeqCst), 1);
    assert_eq!(stats.all.passed, 10);
}

#[tokio::test]
async fn repeats_fold_into_one_verdict_and_flaky_cases_are_listed() {
    let case = "69a59566eec3645a209c3946";
    let mut e = Arc::try_unwrap(engine(&[])).ok().unwrap();
    // The evaluator run of case 02 says fail (0.31).
    e.flaky_with = Some("69a5827d7e0155e501e52159".into());
    let e = Arc::new(e);
    let cases: Vec<Arc<Run>> = vec![e.corpus.get(case).cloned().unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let go = |k: u32| {
        let options = Options {
            repeat: 4,
            pass_threshold: Some(k),
            jobs: 1,
            ..Options::default()
        };
        to_folder(
            e.clone(),
            cases.clone(),
            dir.path(),
            options,
            (false, false),
        )
    };
    let (_, stats) = go(2).await;
    assert_eq!((stats.all.passed, stats.all.failed), (1, 0));
    assert_eq!(stats.flaky, vec![(case.to_owned(), 2, 4)]);
    let md = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(md.contains("### Flaky cases") && md.contains(case), "{md}");
    let (_, stats) = go(3).await;
    assert_eq!((stats.all.passed, stats.all.failed), (0, 1));
    assert_eq!(stats.problems[0].2, "passed 2 of 4 repeats (needs 3)");
}

/// Counts the events it sees; fails on the `fail_at`-th finished case with `path`.
#[derive(Default)]
struct Counting {
    started: usize,
    turns: usize,
    finished: Vec<usize>,
    ends: Vec<bool>,
    fail_at: Option<(usize, PathBuf)>,
}

impl Sink for Counting {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        match event {
            Event::CaseStarted { .. } => self.started += 1,
            Event::TurnReplayed { .. } => self.turns += 1,
            Event::CaseFinished(done) => {
                self.finished.push(done.seq);
                if let Some((at, path)) = &self.fail_at {
                    if self.finished.len() == *at {
                        return Err(SinkError {
                            path: path.clone(),
                            source: std::io::Error::other("no space left on device"),
                        });
                    }
                }
            }
            Event::RunFinished { interrupted, .. } => self.ends.push(*interrupted),
            Event::RunStarted { .. } => {}
        }
        Ok(())
    }
}

#[tokio::test]
async fn every_case_starts_finishes_once_and_its_turns_are_told() {
    let e = engine(&[]);
    let cases: Vec<Arc<Run>> = e.corpus.cases().cloned().collect();
    let turns: usize = cases.iter().filter(|c| !c.turns.is_empty()).count();
    let mut sink = Counting::default();
    let options = Options {
        jobs: 3,
        ..Options::default()
    };
    let s = run(
        e,
        cases.into(),
        eval::Settings::default(),
        Arc::new(NoSnapshots),
        options,
        &mut [&mut sink],
    )
    .await
    .unwrap();
    assert_eq!((s.replayed, s.resumed, s.interrupted), (22, 0, false));
    assert_eq!(sink.started, 22);
    let mut seqs = sink.finished.clone();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..22).collect::<Vec<_>>());
    // The self engine answers each started case once, and each turn after the first once.
    assert!(
        sink.turns >= turns,
        "{} turns for {turns} cases",
        sink.turns
    );
    assert_eq!(sink.ends, [false]);
}

#[tokio::test]
async fn a_sink_that_cannot_write_stops_the_run_naming_its_file() {
    let mut e = Arc::try_unwrap(engine(&[])).ok().unwrap();
    e.delay = std::time::Duration::from_millis(20);
    let e = Arc::new(e);
    let cases: Vec<Arc<Run>> = e.corpus.cases().cloned().collect();
    let path = PathBuf::from("reports/x/runs.csv");
    let mut failing = Counting {
        fail_at: Some((1, path.clone())),
        ..Counting::default()
    };
    let mut after = Counting::default();
    let options = Options {
        jobs: 1,
        ..Options::default()
    };
    let err = run(
        e.clone(),
        cases.into(),
        eval::Settings::default(),
        Arc::new(NoSnapshots),
        options,
        &mut [&mut failing, &mut after],
    )
    .await
    .unwrap_err();
    assert_eq!(err.path, path);
    assert!(err.to_string().contains("no space left"), "{err}");
    // The sink behind the failing one never saw the failed event, and the run ended there:
    // no end of run, and no case is dispatched after the failure.
    assert!(after.finished.is_empty(), "{:?}", after.finished);
    assert!(after.ends.is_empty() && failing.ends.is_empty());
    let started = e.starts.load(Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(e.starts.load(Ordering::SeqCst), started);
    assert!(started < 22, "{started}");
}

/// Fault injection: a document that goes away between the index pass and its case's turn,
/// when no run cache can serve its case (a case served by the cache does not read its file).
/// Its case ends as an error naming the file; every other case is replayed and judged.
#[tokio::test]
async fn a_case_whose_file_went_away_during_the_run_is_an_error_naming_it() {
    let corpus = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("fixtures/noxus")
        .unwrap()
        .filter_map(Result::ok)
    {
        std::fs::copy(entry.path(), corpus.path().join(entry.file_name())).unwrap();
    }
    // Digests taken as `reprise run` takes them, no run cache: every case is parsed again
    // from its file.
    let index = Arc::new(crate::corpus::Index::load(
        &[corpus.path().to_path_buf()],
        &LoadOptions {
            digest: true,
            ..LoadOptions::default()
        },
    ));
    assert!(index.entries().iter().all(|e| !e.is_spilled()));
    let positions: Vec<usize> = index.cases().collect();
    assert!(positions.len() >= 2, "{}", positions.len());
    let gone = &index.entries()[positions[0]];
    let (gone_id, gone_path) = (gone.run_id.to_string(), gone.origin.path.to_path_buf());
    let engine = Arc::new(crate::engine::RecordedEngine::from_indexes(vec![
        index.clone()
    ]));
    std::fs::remove_file(&gone_path).unwrap();

    let out = tempfile::tempdir().unwrap();
    let (summary, stats) = replay_to_folder(
        engine,
        Cases::new(index, positions.clone()),
        eval::Settings::default(),
        Arc::new(NoSnapshots),
        Options::default(),
        Folder {
            out: out.path(),
            meta: RunMeta::default(),
            progress: false,
            terminal: std::io::sink(),
        },
    )
    .await
    .unwrap();
    assert_eq!(summary.replayed as usize, positions.len());
    assert_eq!(stats.all.errored, 1);
    let (rows, _) = journal::read(out.path()).unwrap();
    let row = &rows[&gone_id];
    assert_eq!(row.verdict, Verdict::Error);
    let why = row.error.as_deref().unwrap_or_default();
    assert!(why.contains(&gone_path.display().to_string()), "{why}");
    assert!(why.contains("cannot read run"), "{why}");
    let others = rows.values().filter(|r| r.run_id != gone_id);
    assert!(others.clone().count() >= 1);
    assert!(others.into_iter().all(|r| r.verdict != Verdict::Error));
}
