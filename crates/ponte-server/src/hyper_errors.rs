//! hyper answers some malformed requests itself, before any of Ponte's layers sees them: a
//! request line it cannot read (400), a URI over 65,534 bytes (414), headers over its buffer
//! (431), each with an empty body. [`ProblemIo`] sits between hyper and the socket and turns
//! those automatic answers into `application/problem+json` ones, so that every error a client
//! gets says what was wrong. Ponte's own error answers always have a body (the problem layer
//! gives one to every 4xx), so a 4xx head with `content-length: 0` can only be hyper's.
//!
//! hyper also closes a connection whose request head does not arrive in time without a word.
//! [`ProblemIo`] times the head itself (from its first byte to the blank line that ends it)
//! and, a little before hyper would give up, answers `408 Request Timeout` as a problem and
//! closes. A connection that stays idle (no request begun, nothing read or written) for its
//! idle timeout is closed without an answer, as an HTTP server closes a keep-alive
//! connection: hyper has no such timeout, and an idle connection kept a connection thread.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// A connection's socket, with hyper's bodiless error answers rewritten as problems.
pub struct ProblemIo<T> {
    inner: T,
    /// A rewritten answer still to be written, and how much of it has been.
    pending: Option<(Vec<u8>, usize)>,
    /// How long a request's head may take; `None`: not timed.
    head_timeout: Option<Duration>,
    /// Where the request head being read is.
    head: Head,
    /// How long the connection may stay idle; `None`: for ever.
    idle_timeout: Option<Duration>,
    /// When something was last read or written.
    last_io: Instant,
    /// Fires at the idle deadline (armed once, moved on as the connection is used).
    idle_timer: Option<Pin<Box<Sleep>>>,
}

/// Where the connection is in reading a request's head.
enum Head {
    /// No byte of a new request yet (a new connection, or an answer was written since).
    Awaited,
    /// Some of it has come: its deadline, and the last bytes read (up to 3), to find a blank
    /// line split across reads.
    Reading(Pin<Box<Sleep>>, Vec<u8>),
    /// Read whole (what follows is a body, or the next request once this one is answered).
    Read,
    /// Its deadline passed: the 408 answer is being written, then reading ends.
    TimedOut,
}

impl<T> ProblemIo<T> {
    /// Wraps a connection's socket.
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            pending: None,
            head_timeout: None,
            head: Head::Awaited,
            idle_timeout: None,
            last_io: Instant::now(),
            idle_timer: None,
        }
    }

    /// Closes the connection (as the client closing it, to hyper) once it has stayed idle
    /// for `timeout`: no request begun, nothing read or written.
    pub fn with_idle_timeout(self, timeout: Duration) -> Self {
        Self {
            idle_timeout: Some(timeout),
            ..self
        }
    }

    /// Whether the connection has stayed idle past its timeout; if not yet, the timer is set
    /// to wake this task at the idle deadline.
    fn idle_past_timeout(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(timeout) = self.idle_timeout else {
            return false;
        };
        if !matches!(self.head, Head::Awaited) {
            return false;
        }
        let due = self.last_io + timeout;
        let timer = self
            .idle_timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
        // Moved on only once it fires early (the connection was used meanwhile), so a busy
        // connection does not reset a timer at every request.
        if timer.as_mut().poll(cx).is_pending() {
            return false;
        }
        if Instant::now() >= due {
            return true;
        }
        timer.as_mut().reset(due);
        timer.as_mut().poll(cx).is_ready()
    }

    /// Answers 408 when a request's head takes longer than `timeout` (set hyper's own header
    /// timeout longer, or it closes the connection first).
    pub fn with_head_timeout(self, timeout: Duration) -> Self {
        Self {
            head_timeout: Some(timeout),
            ..self
        }
    }

    /// Follows the request head through `bytes`, just read.
    fn track_head(&mut self, bytes: &[u8]) {
        let Some(timeout) = self.head_timeout else {
            return;
        };
        if bytes.is_empty() {
            return;
        }
        let blank_line = |b: &[u8]| b.windows(4).any(|w| w == b"\r\n\r\n");
        if matches!(self.head, Head::Awaited) {
            // Most heads come in one read: no timer for those.
            if blank_line(bytes) {
                self.head = Head::Read;
                return;
            }
            self.head = Head::Reading(Box::pin(tokio::time::sleep(timeout)), Vec::new());
        }
        if let Head::Reading(_, tail) = &mut self.head {
            let mut joint = std::mem::take(tail);
            joint.extend_from_slice(&bytes[..bytes.len().min(3)]);
            if blank_line(&joint) || blank_line(bytes) {
                self.head = Head::Read;
            } else {
                joint.extend_from_slice(&bytes[bytes.len().min(3)..]);
                *tail = joint[joint.len().saturating_sub(3)..].to_vec();
            }
        }
    }

    /// An answer's head is being written (not a `100 Continue`): the next byte read starts a
    /// new request.
    fn answering(&mut self, buf: &[u8]) {
        if matches!(self.head, Head::Read)
            && buf.starts_with(b"HTTP/1.")
            && buf.get(9) != Some(&b'1')
        {
            self.head = Head::Awaited;
        }
    }
}

/// The answer to a request whose head did not arrive in time.
fn request_timeout_answer(timeout: Duration) -> Vec<u8> {
    let detail = format!(
        "the request's line and headers did not arrive within {} s",
        timeout.as_secs()
    );
    problem_answer(
        "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\n".to_owned(),
        408,
        "Request timeout",
        &detail,
    )
}

/// A whole problem answer: `head` (the status line and any headers, each ending in CRLF),
/// then the problem's own headers and body.
fn problem_answer(mut head: String, status: u16, title: &str, detail: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    })
    .to_string();
    head.push_str(&format!(
        "content-type: application/problem+json\r\ncontent-length: {}\r\nx-content-type-options: nosniff\r\n\r\n{body}",
        body.len()
    ));
    head.into_bytes()
}

/// The problem answer replacing `head` when it is one of hyper's bodiless error answers.
fn rewrite(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let (status_line, rest) = text.split_once("\r\n")?;
    let version = status_line.get(..9)?;
    if !matches!(version, "HTTP/1.1 " | "HTTP/1.0 ") || !rest.ends_with("\r\n\r\n") {
        return None;
    }
    let lower = rest.to_ascii_lowercase();
    if !lower.contains("content-length: 0\r\n") || lower.contains("content-type:") {
        return None;
    }
    let (status, title, detail) = match status_line.get(9..12)? {
        "400" => (
            400,
            "Bad request",
            "the request line or a header is not valid HTTP",
        ),
        "414" => (
            414,
            "URI too long",
            "the request URI is longer than 65,534 bytes; send the query in a POST body",
        ),
        "431" => (
            431,
            "Request headers too large",
            "the request's headers are larger than the server accepts",
        ),
        _ => return None,
    };
    let mut answer = format!("{status_line}\r\n");
    for line in rest.trim_end_matches("\r\n").split("\r\n") {
        if !line.to_ascii_lowercase().starts_with("content-length:") {
            answer.push_str(line);
            answer.push_str("\r\n");
        }
    }
    Some(problem_answer(answer, status, title, detail))
}

impl<T: AsyncWrite + Unpin> ProblemIo<T> {
    /// Writes what is left of a rewritten answer; ready when nothing is.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((answer, written)) = &mut self.pending {
            if *written == answer.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &answer[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if matches!(this.head, Head::TimedOut) {
            // The 408 goes out whole, then hyper reads an error and closes.
            ready!(this.poll_pending(cx))?;
            return Poll::Ready(Err(io::ErrorKind::TimedOut.into()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.last_io = Instant::now();
                this.track_head(&buf.filled()[before..]);
                Poll::Ready(Ok(()))
            }
            // Idle too long: nothing more to read, as if the client had closed.
            Poll::Pending if this.idle_past_timeout(cx) => Poll::Ready(Ok(())),
            Poll::Pending => {
                let timeout = this.head_timeout.unwrap_or_default();
                if let Head::Reading(deadline, _) = &mut this.head
                    && deadline.as_mut().poll(cx).is_ready()
                {
                    this.head = Head::TimedOut;
                    this.pending = Some((request_timeout_answer(timeout), 0));
                    ready!(this.poll_pending(cx))?;
                    return Poll::Ready(Err(io::ErrorKind::TimedOut.into()));
                }
                Poll::Pending
            }
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        self.last_io = Instant::now();
        self.answering(buf);
        // Cheap test first: only a 4xx status line can be rewritten.
        // The head counts as written at once; the rewritten answer goes out on the next
        // write, flush or shutdown (hyper flushes after its automatic answer).
        if buf.starts_with(b"HTTP/1.")
            && buf.get(9) == Some(&b'4')
            && let Some(answer) = rewrite(buf)
        {
            self.pending = Some((answer, 0));
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        self.last_io = Instant::now();
        let first = bufs.iter().find(|b| !b.is_empty());
        if let Some(first) = first {
            self.answering(first);
        }
        // hyper writes an automatic answer's whole head as its first buffer.
        if let Some(first) = first
            && first.starts_with(b"HTTP/1.")
            && first.get(9) == Some(&b'4')
            && bufs.iter().map(|b| b.len()).sum::<usize>() == first.len()
        {
            return self.poll_write(cx, &first[..]);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_head_ends_at_its_blank_line_even_split_across_reads() {
        let mut io = ProblemIo::new(tokio::io::empty()).with_head_timeout(Duration::from_secs(9));
        io.track_head(b"GET / HTTP/1.1\r\nHost: x\r");
        assert!(matches!(io.head, Head::Reading(..)));
        io.track_head(b"\n\r");
        assert!(matches!(io.head, Head::Reading(..)));
        io.track_head(b"\nbody");
        assert!(matches!(io.head, Head::Read));
        // A 100 Continue is not the answer; the answer's head starts the next request.
        io.answering(b"HTTP/1.1 100 Continue\r\n\r\n");
        assert!(matches!(io.head, Head::Read));
        io.answering(b"HTTP/1.1 200 OK\r\n");
        assert!(matches!(io.head, Head::Awaited));
        // Untimed, nothing is followed.
        let mut untimed = ProblemIo::new(tokio::io::empty());
        untimed.track_head(b"GET");
        assert!(matches!(untimed.head, Head::Awaited));
    }

    #[test]
    fn hyper_s_bodiless_errors_become_problems_and_the_rest_passes() {
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Thu, 03 Dec 2026 19:00:00 GMT\r\n\r\n";
        let answer = String::from_utf8(rewrite(head).unwrap()).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
        assert!(head.contains("content-type: application/problem+json"));
        assert!(head.contains("connection: close"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert!(!head.contains("content-length: 0"));
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["status"], 431);
        // Ponte's own answers, and successes, are left alone.
        for head in [
            &b"HTTP/1.1 404 Not Found\r\ncontent-type: application/problem+json\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 12\r\n\r\n",
        ] {
            assert!(rewrite(head).is_none());
        }
    }
}
