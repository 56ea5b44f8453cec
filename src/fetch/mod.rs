//! `reprise fetch`: download runs from a live engine into a corpus folder.
//!
//! Lists a system's runs page by page (Interactly `page`/`size` with time filters, Noxus
//! `page`/`size`, Cortex `page`/`take` or its `next` cursor), then GETs each run and writes the
//! body exactly as received to `<out>/<system>/<run_id>.json` (atomic, mode 0600; the file
//! name made from the run id by [`crate::names::file_stem`]). Runs already
//! on disk are skipped, so an interrupted fetch resumes where it stopped.
//!
//! Listing is bounded whatever the server does: it ends at a page that brings no run id not
//! seen before (a server that ignores `page` and repeats itself), and after
//! [`FetchOptions::max_pages`] pages (a server that pages forever; the summary says the list was
//! cut). Only one list page is held at a time; every answer body is capped by the client's
//! `max_response_bytes` (`EngineError::TooLarge`, naming the URL).

mod download;

pub use download::{fetch, FetchError, FetchOptions, FetchSummary, DEFAULT_MAX_PAGES};
