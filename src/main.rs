//! The `reprise` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: loading builds many small strings and vectors, and the system allocator was a
/// fifth of the load profile (see `benches/load.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

extern "C" {
    /// mimalloc's `mi_option_set` (in the library the `mimalloc` crate links).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` in mimalloc.h (its options keep their numbers across versions:
/// retired ones stay as placeholders); -1 forbids purging.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Keeps the memory mimalloc frees for its own reuse instead of handing it back to the kernel
/// (`madvise`) after a delay, for a command that ends when its work is done:
/// - while it runs: memory handed back and taken again costs a page fault and a zeroed page
///   each time, and more on a virtual machine whose host reclaims the guest's freed pages. A
///   100,000-case `run` took 65,000 minor faults instead of 80,000-89,000, 3.0-3.8 s of system
///   time instead of 3.6-5.4, and 9.0 s instead of 9.9 (medians of 3, interleaved); its peak RSS
///   grew from about 250 MB to 270-280 MB;
/// - at exit: mimalloc's exit handler collects the heaps and purges every freed range, which
///   the kernel's teardown of the process does anyway. That purge was half the main thread's
///   time and about a tenth of the wall time of validating two 16 MB JSONL files.
///
/// Not for `serve`, which runs until stopped: its memory goes back as mimalloc sees fit,
/// until it stops.
fn no_purge() {
    // SAFETY: sets one option of the allocator linked into this binary; any thread may set
    // options at any time, and the value is one mimalloc documents.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

fn main() -> ExitCode {
    let cli = match reprise::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap's help and version are successes; every other parse failure is usage (2).
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    if !cli.runs_until_stopped() {
        no_purge();
    }
    let result = reprise::cli::run(cli);
    no_purge();
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            // The error may quote a response body or a document: secrets never reach the
            // terminal (paths and ids stay readable).
            let text = reprise::redact::Redactor::secrets_only()
                .session(None)
                .message(&err.to_string());
            eprintln!("reprise: {text}");
            ExitCode::from(err.exit_status().code())
        }
    }
}
