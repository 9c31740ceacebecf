//! Where a query's serialized answer is kept until it is sent: in memory while it is small, in
//! an anonymous temporary file once it passes a threshold. The answer is still complete before
//! its first byte goes out (so its status is known), but a full export of a large result no
//! longer needs its whole size in memory.

use crate::StoreError;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// When an answer leaves memory for disk, and how large it may grow at all.
#[derive(Debug, Clone)]
pub struct SpillPolicy {
    /// Bytes kept in memory; an answer growing past this continues in a temporary file.
    pub memory_bytes: usize,
    /// Hard cap on an answer's size, in memory or on disk.
    pub max_bytes: usize,
    /// Directory of the temporary files; `None`: the system's temporary directory.
    pub directory: Option<PathBuf>,
}

impl SpillPolicy {
    /// Everything in memory, up to `max_bytes`.
    pub fn in_memory(max_bytes: usize) -> Self {
        Self {
            memory_bytes: max_bytes,
            max_bytes,
            directory: None,
        }
    }
}

/// A complete serialized answer.
#[derive(Debug)]
pub enum Answer {
    /// Small enough to stay in memory.
    Memory(Vec<u8>),
    /// Written to an unlinked temporary file (removed by the system when closed, even after a
    /// crash), positioned at its start.
    File {
        /// The file, readable from its start.
        file: File,
        /// Its length in bytes.
        len: u64,
    },
}

impl Answer {
    /// The answer's size in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Self::Memory(bytes) => bytes.len() as u64,
            Self::File { len, .. } => *len,
        }
    }

    /// Whether the answer has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole answer in memory (reads the file back if it spilled).
    pub fn into_bytes(self) -> io::Result<Vec<u8>> {
        match self {
            Self::Memory(bytes) => Ok(bytes),
            Self::File { mut file, len } => {
                let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
                io::Read::read_to_end(&mut file, &mut bytes)?;
                Ok(bytes)
            }
        }
    }
}

/// Marks the io error a [`SpillWriter`] raises at the cap, to tell it from a real one.
#[derive(Debug, thiserror::Error)]
#[error("result size cap reached")]
pub(crate) struct CapReached;

/// Converts a serializer's io error, recognising the cap and data the chosen format cannot
/// express (RDF/XML has no way to write some predicates).
pub(crate) fn write_error(error: io::Error, max_bytes: usize) -> StoreError {
    if error.get_ref().is_some_and(|e| e.is::<CapReached>()) {
        StoreError::ResultTooLarge(max_bytes)
    } else if error.kind() == io::ErrorKind::InvalidInput {
        StoreError::BadRequest(format!(
            "the answer cannot be written in the requested format ({error}); ask for Turtle or N-Triples"
        ))
    } else {
        StoreError::Internal(error.to_string())
    }
}

/// Writes into memory up to the policy's threshold, then into a temporary file, refusing to go
/// past the cap.
pub(crate) struct SpillWriter {
    policy: SpillPolicy,
    buffer: Vec<u8>,
    file: Option<BufWriter<File>>,
    written: usize,
}

impl SpillWriter {
    pub(crate) fn new(policy: SpillPolicy) -> Self {
        Self {
            policy,
            buffer: Vec::new(),
            file: None,
            written: 0,
        }
    }

    /// The finished answer.
    pub(crate) fn finish(self) -> io::Result<Answer> {
        match self.file {
            None => Ok(Answer::Memory(self.buffer)),
            Some(file) => {
                let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
                file.seek(SeekFrom::Start(0))?;
                Ok(Answer::File {
                    file,
                    len: self.written as u64,
                })
            }
        }
    }

    fn spill(&mut self) -> io::Result<&mut BufWriter<File>> {
        if self.file.is_none() {
            let file = match &self.policy.directory {
                Some(directory) => tempfile::tempfile_in(directory)?,
                None => tempfile::tempfile()?,
            };
            let mut file = BufWriter::with_capacity(1 << 16, file);
            file.write_all(&self.buffer)?;
            self.buffer = Vec::new();
            self.file = Some(file);
        }
        Ok(self.file.as_mut().expect("just set"))
    }
}

impl Write for SpillWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let total = self.written + data.len();
        if total > self.policy.max_bytes {
            return Err(io::Error::other(CapReached));
        }
        if self.file.is_none() && total <= self.policy.memory_bytes {
            self.buffer.extend_from_slice(data);
        } else {
            self.spill()?.write_all(data)?;
        }
        self.written = total;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // The file is flushed once, when the answer is finished.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn policy(memory_bytes: usize, max_bytes: usize) -> SpillPolicy {
        SpillPolicy {
            memory_bytes,
            max_bytes,
            directory: None,
        }
    }

    #[test]
    fn small_answers_stay_in_memory_and_large_ones_spill_whole() {
        let mut writer = SpillWriter::new(policy(8, 100));
        writer.write_all(b"12345").unwrap();
        assert!(matches!(writer.finish().unwrap(), Answer::Memory(b) if b == b"12345"));

        let mut writer = SpillWriter::new(policy(8, 100));
        for chunk in [&b"12345"[..], b"67890", b"abc"] {
            writer.write_all(chunk).unwrap();
        }
        let answer = writer.finish().unwrap();
        assert_eq!(answer.len(), 13);
        let Answer::File { mut file, .. } = answer else {
            panic!("13 bytes past an 8-byte threshold should spill")
        };
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        assert_eq!(text, "1234567890abc");
    }

    #[test]
    fn the_cap_holds_on_disk_too() {
        let mut writer = SpillWriter::new(policy(4, 10));
        writer.write_all(b"123456").unwrap();
        let error = writer.write_all(b"78901").unwrap_err();
        assert!(error.get_ref().is_some_and(|e| e.is::<CapReached>()));
    }
}
