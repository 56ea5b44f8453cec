//! `reprise synth --runs N --out DIR [--seed S] [--versions 2]`: argument parsing only.

use std::io::Write;
use std::path::PathBuf;

use crate::synth::{generate, Options};
use crate::{Error, ExitStatus};

/// Arguments of `synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of cases (evaluation runs and version-2 recordings come on top).
    #[arg(long, value_name = "N")]
    pub runs: usize,
    /// Folder to write into (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed: the same seed gives byte-identical output.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// 2 also writes a version-2 recording of every Interactly and Cortex case to DIR/recordings-v2/.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=2))]
    pub versions: u32,
}

/// Runs `synth`.
pub fn run(args: Args) -> Result<ExitStatus, Error> {
    let options = Options {
        runs: args.runs,
        seed: args.seed,
        versions: args.versions,
    };
    let summary = generate(&args.out, &options)?;
    let [i, n, c] = summary.cases;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "cases {} (interactly {i}, noxus {n}, cortex {c}), evaluation runs {}, v2 recordings {}, files {}, bytes {}",
        i + n + c,
        summary.evaluation_runs,
        summary.recordings,
        summary.files,
        summary.bytes
    )
    .map_err(|e| Error::io("<stdout>", e))?;
    Ok(ExitStatus::Success)
}
