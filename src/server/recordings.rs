//! A recording's exact bytes for an answer: shared when held in memory, read from disk (and
//! kept in a bounded cache) when not.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::StatusCode;

use super::{ApiError, AppState};
use crate::model::{RawDoc, Run};

/// How many bytes of recordings read from disk the server keeps in memory (see
/// [`recorded_bytes`]).
const DISK_CACHE_BYTES: usize = 64 << 20;

/// A recording's exact bytes. A recording held in memory is shared, not copied (the answer
/// body points into the loaded file). One loaded without its bytes is read from disk on a
/// blocking thread (a slow disk never stalls the other requests) and kept in a bounded cache
/// ([`DISK_CACHE_BYTES`], arbitrary entries make room), since a replay asks for the same
/// recording twice per turn; recordings are not expected to change while served.
pub(crate) async fn recorded_bytes(state: &AppState, run: &Arc<Run>) -> Result<Bytes, ApiError> {
    let failed = |e: &dyn std::fmt::Display| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read recording {}: {e}", run.run_id),
        )
    };
    match &run.raw {
        RawDoc::Memory { buf, range } => match buf.get(range.clone()) {
            Some(_) => Ok(Bytes::from_owner(buf.clone()).slice(range.clone())),
            None => Err(failed(&"the recorded range is outside its file")),
        },
        RawDoc::Disk { .. } => {
            let key = Arc::as_ptr(run) as usize;
            let cache = || state.disk_cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((_, bytes)) = cache().entries.get(&key) {
                return Ok(bytes.clone());
            }
            let shared = run.clone();
            let bytes =
                tokio::task::spawn_blocking(move || shared.raw.bytes().map(|b| b.into_owned()))
                    .await
                    .map_err(|e| failed(&e))?
                    .map(Bytes::from)
                    .map_err(|e| failed(&e))?;
            if bytes.len() <= DISK_CACHE_BYTES {
                let mut cache = cache();
                while cache.total + bytes.len() > DISK_CACHE_BYTES {
                    let Some(&old) = cache.entries.keys().next() else {
                        break;
                    };
                    if let Some((_, gone)) = cache.entries.remove(&old) {
                        cache.total -= gone.len();
                    }
                }
                let len = bytes.len();
                if let Some((_, old)) = cache.entries.insert(key, (run.clone(), bytes.clone())) {
                    cache.total -= old.len();
                }
                cache.total += len;
            }
            Ok(bytes)
        }
    }
}
