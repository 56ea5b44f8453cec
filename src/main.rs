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

/// Lets the process end without mimalloc handing its freed memory back to the kernel first:
/// its exit handler collects the heaps and purges every freed range with `madvise`, which the
/// kernel's teardown of the process does anyway. That purge was half the main thread's time
/// and about a tenth of the wall time of validating a corpus of two 16 MB JSONL files.
fn no_purge_at_exit() {
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
    let result = reprise::cli::run(cli);
    no_purge_at_exit();
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
