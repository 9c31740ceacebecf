//! hyper answers some malformed requests itself, before any of Ponte's layers sees them: a
//! request line it cannot read (400), a URI over 65,534 bytes (414), headers over its buffer
//! (431), each with an empty body. [`ProblemIo`] sits between hyper and the socket and turns
//! those automatic answers into `application/problem+json` ones, so that every error a client
//! gets says what was wrong. Ponte's own error answers always have a body (the problem layer
//! gives one to every 4xx), so a 4xx head with `content-length: 0` can only be hyper's.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection's socket, with hyper's bodiless error answers rewritten as problems.
pub struct ProblemIo<T> {
    inner: T,
    /// A rewritten answer still to be written, and how much of it has been.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> ProblemIo<T> {
    /// Wraps a connection's socket.
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            pending: None,
        }
    }
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
    let body = serde_json::json!({
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    })
    .to_string();
    let mut answer = format!("{status_line}\r\n");
    for line in rest.trim_end_matches("\r\n").split("\r\n") {
        if !line.to_ascii_lowercase().starts_with("content-length:") {
            answer.push_str(line);
            answer.push_str("\r\n");
        }
    }
    answer.push_str(&format!(
        "content-type: application/problem+json\r\ncontent-length: {}\r\nx-content-type-options: nosniff\r\n\r\n{body}",
        body.len()
    ));
    Some(answer.into_bytes())
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

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
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
        // hyper writes an automatic answer's whole head as its first buffer.
        if let Some(first) = bufs.iter().find(|b| !b.is_empty())
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
