//! Unit tests of the lower layers (formats, corpus, engine) that read documents of the built-in
//! vendors. They sit here, above every module, because the vendors implement those layers'
//! traits: a test inside `formats` that named `crate::vendors` would tie the layer to its own
//! plug-ins (scripts/module_cycles.py counts test code). Each file tests one module, named after it.

mod binary;
mod container;
mod corpus_load;
mod found;
mod http_calls;
mod parse;
mod recorded;
