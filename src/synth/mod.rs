//! `reprise synth`: a deterministic synthetic corpus of all three systems, for scale tests.
//!
//! N cases (evaluation runs come on top): about 80 % Interactly (envelopes, some bare runs, one
//! case in five in JSONL batch files with its evaluator run on the next line), 10 % Noxus, 10 %
//! Cortex (half of them in list-response arrays). Interactly cases of workflows with an
//! `evaluation_config` that completed or failed have an evaluator run with a pass/fail verdict.
//! With `versions = 2` every Interactly and Cortex case also gets a version-2 recording of the
//! same caller inputs with other outputs under `recordings-v2/`.
//!
//! Determinism: every case draws from its own generator stream, derived from the seed and the
//! case number only, so the output is byte-identical for a seed whatever the thread count.
//! Cases are generated in blocks of [`BLOCK`] in parallel (rayon); every file is written to a
//! temporary file in its folder and renamed into place.

mod generate;
mod interactly;
mod rng;
mod single;

pub use generate::{generate, Options, Summary, SynthError, BLOCK};
