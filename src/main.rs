//! The `reprise` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: loading builds many small strings and vectors, and the system allocator was a
/// fifth of the load profile (see `benches/load.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match reprise::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap's help and version are successes; every other parse failure is usage (2).
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match reprise::cli::run(cli) {
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
