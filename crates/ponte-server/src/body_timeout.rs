//! Time limits on a request body as it arrives: no gap of more than [`BODY_GAP_TIMEOUT`]
//! between two of its pieces, and the whole of it within [`BODY_READ_TIMEOUT`]. Without them a
//! client could trickle a body byte by byte and hold its request, and its place under the
//! connection cap (a request in progress is never the one closed for a new client), for as
//! long as it liked. A body that misses a limit ends in a [`BodyTimeout`] error, which the
//! endpoints answer with a `408` problem (see `http_util::read_body`).

use axum::body::{Bytes, HttpBody};
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The longest wait for the next piece of a request body.
pub const BODY_GAP_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest a whole request body may take to arrive (a 64 MiB body needs about 0.55 MB/s).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(120);

/// A request body that stopped arriving, or took too long as a whole.
#[derive(Debug)]
pub struct BodyTimeout {
    /// True when the whole body took too long; false for a gap between two pieces.
    pub whole: bool,
    /// The limit it missed.
    pub limit: Duration,
}

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.limit.as_secs_f64();
        if self.whole {
            write!(
                f,
                "the request body did not arrive whole within {seconds} s"
            )
        } else {
            write!(
                f,
                "the request body stopped arriving: nothing came for {seconds} s"
            )
        }
    }
}

impl std::error::Error for BodyTimeout {}

pin_project_lite::pin_project! {
    /// `inner` under the two limits; the clock starts when the body is first read, so a
    /// request whose body is never read costs no timer.
    pub struct TimedBody<B> {
        #[pin]
        inner: B,
        gap: Duration,
        whole: Duration,
        started: Option<Instant>,
        last_piece: Option<Instant>,
        timer: Option<Pin<Box<Sleep>>>,
    }
}

impl<B> TimedBody<B> {
    /// Puts `inner` under the limits.
    pub fn new(inner: B) -> Self {
        Self::with_limits(inner, BODY_GAP_TIMEOUT, BODY_READ_TIMEOUT)
    }

    /// Puts `inner` under other limits: no `gap` between pieces, all of it within `whole`.
    pub fn with_limits(inner: B, gap: Duration, whole: Duration) -> Self {
        Self {
            inner,
            gap,
            whole,
            started: None,
            last_piece: None,
            timer: None,
        }
    }
}

impl<B> HttpBody for TimedBody<B>
where
    B: HttpBody<Data = Bytes>,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.project();
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            *this.last_piece = Some(Instant::now());
            return Poll::Ready(frame.map(|result| result.map_err(Into::into)));
        }
        let started = *this.started.get_or_insert_with(Instant::now);
        let whole_by = started + *this.whole;
        let next_by = this.last_piece.unwrap_or(started) + *this.gap;
        let deadline = whole_by.min(next_by);
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.deadline() != deadline {
            timer.as_mut().reset(deadline);
        }
        ready!(timer.as_mut().poll(cx));
        let whole = whole_by <= next_by;
        let limit = if whole { *this.whole } else { *this.gap };
        Poll::Ready(Some(Err(Box::new(BodyTimeout { whole, limit }))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The [`BodyTimeout`] somewhere in `error`'s chain of sources, if any.
pub fn body_timeout_in<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a BodyTimeout> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(timeout) = error.downcast_ref::<BodyTimeout>() {
            return Some(timeout);
        }
        current = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tokio::sync::mpsc;

    /// A body fed by hand, piece by piece, through a channel.
    struct HandFed(mpsc::Receiver<&'static str>);

    impl HttpBody for HandFed {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            self.0
                .poll_recv(cx)
                .map(|piece| piece.map(|text| Ok(Frame::data(Bytes::from_static(text.as_bytes())))))
        }
    }

    /// Test limits: a 200 ms gap, 600 ms for the whole.
    const GAP: Duration = Duration::from_millis(200);
    const WHOLE: Duration = Duration::from_millis(600);

    fn hand_fed() -> (mpsc::Sender<&'static str>, TimedBody<HandFed>) {
        let (sender, receiver) = mpsc::channel(4);
        (
            sender,
            TimedBody::with_limits(HandFed(receiver), GAP, WHOLE),
        )
    }

    /// Whether `elapsed` is `limit`, give or take the scheduler.
    fn about(elapsed: Duration, limit: Duration) -> bool {
        elapsed >= limit && elapsed < limit + Duration::from_millis(300)
    }

    #[tokio::test]
    async fn a_body_that_stops_coming_fails_after_the_gap() {
        let (sender, mut body) = hand_fed();
        sender.send("abc").await.unwrap();
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), "abc");
        let waiting = Instant::now();
        let error = body.frame().await.unwrap().unwrap_err();
        let timeout = body_timeout_in(error.as_ref()).expect("a BodyTimeout");
        assert!(!timeout.whole);
        assert!(about(waiting.elapsed(), GAP), "{:?}", waiting.elapsed());
        assert_eq!(
            timeout.to_string(),
            "the request body stopped arriving: nothing came for 0.2 s"
        );
        drop(sender);
    }

    #[tokio::test]
    async fn a_trickled_body_fails_at_the_whole_limit_and_a_steady_one_arrives() {
        let (sender, mut body) = hand_fed();
        let started = Instant::now();
        let trickle = tokio::spawn(async move {
            while sender.send("x").await.is_ok() {
                tokio::time::sleep(GAP / 10).await;
            }
        });
        let error = loop {
            if let Err(error) = body.frame().await.unwrap() {
                break error;
            }
        };
        assert!(body_timeout_in(error.as_ref()).is_some_and(|t| t.whole));
        assert!(about(started.elapsed(), WHOLE), "{:?}", started.elapsed());
        drop(body);
        trickle.await.unwrap();

        let (sender, body) = hand_fed();
        tokio::spawn(async move {
            for _ in 0..5 {
                sender.send("ok").await.unwrap();
                tokio::time::sleep(GAP / 4).await;
            }
        });
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(bytes, "okokokokok");
    }
}
