//! Record mode (`--record`): a recorded engine backed by a live one, like a VCR cassette.
//!
//! [`RecordingEngine`] asks the primary (recorded) engine first. A miss
//! ([`EngineError::Miss`]) goes to the live engine, and every answer the live engine gives is
//! saved as a recording (`<dir>/<system>/<run_id>.json`, the name made by
//! [`crate::names::file_stem`], the server's document exactly, written
//! atomically with mode 0600), so the corpus grows with each run. Errors are never saved.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::{Engine, EngineError, EngineFuture, Reply, StartRequest, TurnInput};
use crate::model::{Run, System};
use crate::names::file_stem;

/// The recorded engine first, the live engine on a miss, live answers saved as recordings.
pub struct RecordingEngine<P: ?Sized, L: ?Sized> {
    primary: Arc<P>,
    live: Arc<L>,
    dir: PathBuf,
    live_runs: Mutex<HashSet<String>>,
    saved: AtomicUsize,
}

impl<P: Engine + ?Sized, L: Engine + ?Sized> RecordingEngine<P, L> {
    /// Records into `dir` (created when missing).
    pub fn new(primary: Arc<P>, live: Arc<L>, dir: impl Into<PathBuf>) -> Self {
        RecordingEngine {
            primary,
            live,
            dir: dir.into(),
            live_runs: Mutex::new(HashSet::new()),
            saved: AtomicUsize::new(0),
        }
    }

    /// How many recordings were written (a run answered over several turns counts per turn).
    pub fn saved(&self) -> usize {
        self.saved.load(Ordering::Relaxed)
    }

    /// Where a run's recording goes.
    pub fn path_for(&self, system: System, run_id: &str) -> PathBuf {
        self.dir
            .join(system.as_str())
            .join(format!("{}.json", file_stem(run_id)))
    }

    fn is_live(&self, run_id: &str) -> bool {
        self.live_runs
            .lock()
            .map(|r| r.contains(run_id))
            .unwrap_or(false)
    }

    fn mark_live(&self, run_id: &str) {
        if let Ok(mut runs) = self.live_runs.lock() {
            runs.insert(run_id.to_owned());
        }
    }

    /// Saves the live engine's view of a run, replacing the previous turn's.
    fn save(&self, run: &Run) -> Result<(), EngineError> {
        let bytes = run.raw.bytes().map_err(|e| {
            EngineError::Transport(format!("cannot read run {} to record it: {e}", run.run_id))
        })?;
        let path = self.path_for(run.system, &run.run_id);
        write_private(&path, &bytes).map_err(|e| {
            EngineError::Transport(format!("cannot write recording {}: {e}", path.display()))
        })?;
        self.saved.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl<P: Engine + ?Sized, L: Engine + ?Sized> Engine for RecordingEngine<P, L> {
    fn name(&self) -> &str {
        "record"
    }

    fn start<'a>(&'a self, request: &'a StartRequest) -> EngineFuture<'a, Reply> {
        Box::pin(async move {
            match self.primary.start(request).await {
                Err(EngineError::Miss(_)) => {
                    let reply = self.live.start(request).await?;
                    self.mark_live(&reply.run_id);
                    self.save(&reply.run)?;
                    Ok(reply)
                }
                other => other,
            }
        })
    }

    fn send<'a>(&'a self, run_id: &'a str, input: &'a TurnInput) -> EngineFuture<'a, Reply> {
        Box::pin(async move {
            if self.is_live(run_id) {
                let reply = self.live.send(run_id, input).await?;
                self.save(&reply.run)?;
                Ok(reply)
            } else {
                self.primary.send(run_id, input).await
            }
        })
    }

    fn get<'a>(&'a self, system: System, run_id: &'a str) -> EngineFuture<'a, Arc<Run>> {
        Box::pin(async move {
            if self.is_live(run_id) {
                let run = self.live.get(system, run_id).await?;
                self.save(&run)?;
                Ok(run)
            } else {
                self.primary.get(system, run_id).await
            }
        })
    }

    fn evaluation<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        evaluator: Option<(&'a str, Option<i64>)>,
    ) -> EngineFuture<'a, Option<Arc<Run>>> {
        Box::pin(async move {
            if !self.is_live(run_id) {
                return self.primary.evaluation(system, run_id, evaluator).await;
            }
            let eval = self.live.evaluation(system, run_id, evaluator).await?;
            if let Some(run) = &eval {
                // A verdict read from `evaluation-result` is no run document: not a recording.
                if !run.run_id.ends_with("/evaluation-result") {
                    self.save(run)?;
                }
                // The evaluated run now carries `evaluation_run_info`: record that too.
                if let Ok(source) = self.live.get(system, run_id).await {
                    self.save(&source)?;
                }
            }
            Ok(eval)
        })
    }

    fn stop<'a>(&'a self, system: System, run_id: &'a str) -> EngineFuture<'a, ()> {
        if self.is_live(run_id) {
            self.live.stop(system, run_id)
        } else {
            self.primary.stop(system, run_id)
        }
    }

    fn comment<'a>(
        &'a self,
        system: System,
        run_id: &'a str,
        text: &'a str,
    ) -> EngineFuture<'a, ()> {
        if self.is_live(run_id) {
            self.live.comment(system, run_id, text)
        } else {
            self.primary.comment(system, run_id, text)
        }
    }
}

/// Writes `bytes` to `path` atomically (a temporary file in the same folder, then a rename),
/// readable by the owner only (mode 0600): recordings are patient data.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    // tempfile creates the file with mode 0600 on Unix; set it again in case of a lax umask.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_private_and_replace() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.json");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }
}
