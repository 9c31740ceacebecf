//! Where log lines go. On a terminal, or for a warning or an error, each line is written at
//! once. Otherwise (a service writing to a pipe or a file) lines are gathered in a buffer
//! written out when it holds [`BUFFER_BYTES`], every [`FLUSH_EVERY`] and when the process ends,
//! as nginx's buffered access log does: one write per line was a syscall on every request,
//! a measurable part of a cheap query's time. A crash may lose the last [`FLUSH_EVERY`] of
//! informational lines, never a warning or an error.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// The most gathered before it is written out.
const BUFFER_BYTES: usize = 32 * 1024;

/// The longest a gathered line waits.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// The log's destination (standard error), buffered or not.
#[derive(Clone)]
pub struct LogOutput {
    pending: Arc<Mutex<Vec<u8>>>,
    buffered: bool,
}

impl LogOutput {
    /// Lines to standard error, gathered when `buffered`; a thread writes out what waits.
    pub fn new(buffered: bool) -> Self {
        let output = Self {
            pending: Arc::default(),
            buffered,
        };
        if buffered {
            let pending = Arc::downgrade(&output.pending);
            let started = std::thread::Builder::new()
                .name("ponte-log".into())
                .spawn(move || {
                    while let Some(pending) = pending.upgrade() {
                        write_out(&mut lock(&pending));
                        drop(pending);
                        std::thread::sleep(FLUSH_EVERY);
                    }
                });
            if started.is_err() {
                return Self::new(false);
            }
        }
        output
    }

    /// Writes out what waits (at exit).
    pub fn flush(&self) {
        write_out(&mut lock(&self.pending));
    }
}

fn lock(pending: &Mutex<Vec<u8>>) -> std::sync::MutexGuard<'_, Vec<u8>> {
    pending.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Writes `pending` to standard error and empties it. A failed write loses the lines: there
/// is nowhere else to say so.
fn write_out(pending: &mut Vec<u8>) {
    if !pending.is_empty() {
        let _lost = std::io::stderr().lock().write_all(pending);
        pending.clear();
    }
}

impl<'a> MakeWriter<'a> for LogOutput {
    type Writer = LogLine<'a>;

    fn make_writer(&'a self) -> LogLine<'a> {
        LogLine {
            output: self,
            at_once: !self.buffered,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> LogLine<'a> {
        LogLine {
            output: self,
            at_once: !self.buffered || at_once(meta.level()),
        }
    }
}

/// Whether a line of `level` is written at once even when lines are gathered.
fn at_once(level: &Level) -> bool {
    // Levels compare by verbosity: WARN and ERROR are the ones at most WARN.
    *level <= Level::WARN
}

/// One line being written (the formatter writes a whole line at once).
pub struct LogLine<'a> {
    output: &'a LogOutput,
    at_once: bool,
}

impl Write for LogLine<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut pending = lock(&self.output.pending);
        pending.extend_from_slice(bytes);
        if self.at_once || pending.len() >= BUFFER_BYTES {
            // What waited goes first, so lines keep their order.
            write_out(&mut pending);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn informational_lines_wait_and_warnings_take_them_along() {
        assert!(at_once(&Level::ERROR) && at_once(&Level::WARN));
        assert!(!at_once(&Level::INFO) && !at_once(&Level::DEBUG));
        let output = LogOutput {
            pending: Arc::default(),
            buffered: true,
        };
        let line = |at_once| LogLine {
            output: &output,
            at_once,
        };
        line(false).write_all(b"one\n").unwrap();
        assert_eq!(lock(&output.pending).as_slice(), b"one\n");
        line(true).write_all(b"two\n").unwrap();
        assert!(
            lock(&output.pending).is_empty(),
            "both written out, in order"
        );
        let long = vec![b'x'; BUFFER_BYTES];
        line(false).write_all(&long).unwrap();
        assert!(
            lock(&output.pending).is_empty(),
            "a full buffer is written out"
        );
    }
}
