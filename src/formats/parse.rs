//! Reading one document: the one lenient parse every adapter shares, then the adapter that
//! detects it; errors located by JSON pointer, line and column.

use super::adapter::{Adapters, Document};
use super::problem::{located, pointer_of};
use super::{doc, numbers, Problem};
use crate::model::{Format, Run};

/// Parses one document's text into a normalized run.
///
/// `forced` skips detection (`--format`). Errors carry a JSON pointer and, for syntax and type
/// errors, the line and column within `text`.
pub(crate) fn parse(
    text: &str,
    forced: Option<Format>,
    adapters: &Adapters,
) -> Result<Run, Problem> {
    super::lenient::clear_notes();
    let mut normalized = parse_doc(text, forced, adapters)?;
    let (unusable, more) = super::lenient::take_notes();
    normalized.usage.unusable = unusable;
    normalized.usage.unusable_more = more;
    Ok(normalized)
}

/// [`parse`] without the notes on counts.
fn parse_doc(text: &str, forced: Option<Format>, adapters: &Adapters) -> Result<Run, Problem> {
    let mut de = serde_json::Deserializer::from_str(text);
    let doc = match doc::top(&mut de).and_then(|doc| de.end().map(|()| doc)) {
        Ok(doc) => doc,
        Err(_) => return Err(locate_error(text)),
    };
    // serde_json range-checks only the numbers it reads; 1e400 in a skipped part would pass.
    if let Some(p) = numbers::out_of_range(text) {
        return Err(p);
    }
    adapters.normalize(Document::new(text, doc), forced)
}

/// Parses again, slowly, to say where a document went wrong. Only bad documents pay for this.
fn locate_error(text: &str) -> Problem {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut track = serde_path_to_error::Track::new();
    let result = doc::top(serde_path_to_error::Deserializer::new(&mut de, &mut track))
        .map_err(|e| serde_path_to_error::Error::new(track.path(), e));
    match result {
        Ok(_) => match de.end() {
            Err(e) => located(String::new(), e),
            Ok(()) => Problem::at("", "the document could not be read"),
        },
        Err(err) => {
            let pointer = pointer_of(err.path());
            located(pointer, err.into_inner())
        }
    }
}
