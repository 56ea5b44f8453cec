//! Where the snapshot stage keeps the bodies of changed and new snapshots until the summary
//! is written: an anonymous temporary file, not memory. A first `--check` over a million cases
//! has a million new bodies; the stage keeps of each only where it lies.

use std::fs::File;
use std::io::{self, Write};
use std::sync::Mutex;

/// Where one case's bodies lie in the spill file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spilled {
    offset: u64,
    /// The stored body's length, when there was one.
    old: Option<usize>,
    new: usize,
}

/// The spill file (created on first use). See the module documentation.
#[derive(Debug, Default)]
pub struct Spill {
    file: Mutex<Option<(File, u64)>>,
}

impl Spill {
    /// Keeps `old` (the stored body, if any) and `new`.
    pub fn put(&self, old: Option<&str>, new: &str) -> io::Result<Spilled> {
        let mut held = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if held.is_none() {
            *held = Some((tempfile::tempfile()?, 0));
        }
        let Some((file, end)) = held.as_mut() else {
            return Err(io::Error::other("no spill file"));
        };
        let at = *end;
        let old_bytes = old.unwrap_or("").as_bytes();
        file.write_all(old_bytes)?;
        file.write_all(new.as_bytes())?;
        *end += (old_bytes.len() + new.len()) as u64;
        Ok(Spilled {
            offset: at,
            old: old.map(str::len),
            new: new.len(),
        })
    }

    /// The bodies kept at `at`: (old, new).
    pub fn get(&self, at: Spilled) -> io::Result<(Option<String>, String)> {
        let held = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let Some((file, _)) = held.as_ref() else {
            return Err(io::Error::other("nothing was spilled"));
        };
        let old_len = at.old.unwrap_or(0);
        let mut buf = vec![0; old_len + at.new];
        read_at(file, &mut buf, at.offset)?;
        let new = buf.split_off(old_len);
        let text = |b: Vec<u8>| {
            String::from_utf8(b).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
        };
        let old = match at.old {
            Some(_) => Some(text(buf)?),
            None => None,
        };
        Ok((old, text(new)?))
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(not(unix))]
fn read_at(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_come_back_as_they_went_in() {
        let spill = Spill::default();
        let a = spill.put(None, "status: new\n").unwrap();
        let b = spill.put(Some("é old\n"), "").unwrap();
        let c = spill.put(Some(""), "x").unwrap();
        assert_eq!(
            spill.get(b).unwrap(),
            (Some("é old\n".into()), String::new())
        );
        assert_eq!(spill.get(a).unwrap(), (None, "status: new\n".into()));
        assert_eq!(spill.get(c).unwrap(), (Some(String::new()), "x".into()));
    }
}
