//! The JSON log's access lines, written directly. tracing-subscriber's JSON format passes every
//! field through serde and its own visitors: for the one line written per request that was
//! about 4% of a cheap query's CPU. This writes the same JSON object (`timestamp`, `level`,
//! `fields`, `target`) for events of the access log's target and leaves every other event to
//! the standard format, so a log reader sees one shape.

use std::fmt::{self, Write as _};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The target of the server's access log events (`ponte_server::access_log`).
const ACCESS_TARGET: &str = "ponte::access";

/// Formats access log events itself and every other event with `F`.
pub struct AccessLineFirst<F>(pub F);

impl<S, N, F> FormatEvent<S, N> for AccessLineFirst<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        // An access event inside a span is left to the standard format, which lists spans.
        if metadata.target() != ACCESS_TARGET || ctx.lookup_current().is_some() {
            return self.0.format_event(ctx, writer, event);
        }
        writer.write_str("{\"timestamp\":\"")?;
        SystemTime.format_time(&mut writer)?;
        write!(
            writer,
            "\",\"level\":\"{}\",\"fields\":{{",
            metadata.level()
        )?;
        let mut fields = JsonFields {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writer.write_str("},\"target\":")?;
        write_json_string(&mut writer, metadata.target())?;
        writer.write_str("}\n")
    }
}

/// Writes each field of an event as a member of a JSON object.
struct JsonFields<'a, 'w> {
    writer: &'a mut Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl JsonFields<'_, '_> {
    /// Writes `"name":` and then the value with `value`.
    fn member(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        let separator = if std::mem::take(&mut self.first) {
            ""
        } else {
            ","
        };
        self.result = self
            .writer
            .write_str(separator)
            .and_then(|()| write_json_string(self.writer, field.name()))
            .and_then(|()| self.writer.write_char(':'))
            .and_then(|()| value(self.writer));
    }
}

impl Visit for JsonFields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.member(field, |w| write_json_string(w, value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.member(field, |w| write!(w, "{value}"));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity; serde_json writes them as null too.
        if value.is_finite() {
            self.member(field, |w| write!(w, "{value}"));
        } else {
            self.member(field, |w| w.write_str("null"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.member(field, |w| {
            w.write_char('"')?;
            write!(JsonEscaped(&mut *w), "{value:?}")?;
            w.write_char('"')
        });
    }
}

/// Writes `value` as a JSON string, quotes included.
fn write_json_string(writer: &mut impl fmt::Write, value: &str) -> fmt::Result {
    writer.write_char('"')?;
    JsonEscaped(&mut *writer).write_str(value)?;
    writer.write_char('"')
}

/// Escapes what is written through it for the inside of a JSON string.
struct JsonEscaped<W>(W);

impl<W: fmt::Write> fmt::Write for JsonEscaped<W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut plain = 0;
        for (i, c) in text.char_indices() {
            let escape = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                c if c < ' ' => "",
                _ => continue,
            };
            self.0.write_str(&text[plain..i])?;
            if escape.is_empty() {
                write!(self.0, "\\u{:04x}", u32::from(c))?;
            } else {
                self.0.write_str(escape)?;
            }
            plain = i + c.len_utf8();
        }
        self.0.write_str(&text[plain..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::fmt::MakeWriter;

    /// Collects what a subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Self;
        fn make_writer(&'a self) -> Self {
            self.clone()
        }
    }

    /// An access event with every kind of value, as one parsed JSON line, written by the
    /// standard JSON format or by ours.
    fn access_line(ours: bool) -> serde_json::Value {
        let captured = Captured::default();
        let builder = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_ansi(false)
            .json();
        let emit = || {
            tracing::info!(
                target: "ponte::access",
                request_id = "a\"b\\c\n\u{1}é",
                method = "GET",
                status = 200_u16,
                offset = -3_i64,
                latency_ms = 0.125_f64,
                not_a_number = f64::NAN,
                cached = true,
                path = ?"/x y",
                "request"
            );
        };
        if ours {
            let subscriber = builder
                .event_format(AccessLineFirst(tracing_subscriber::fmt::format().json()))
                .finish();
            tracing::subscriber::with_default(subscriber, emit);
        } else {
            tracing::subscriber::with_default(builder.finish(), emit);
        }
        let bytes = captured.0.lock().unwrap().clone();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.ends_with('\n'), "{text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    #[test]
    fn an_access_line_is_what_the_standard_json_format_writes() {
        let mut ours = access_line(true);
        let mut standard = access_line(false);
        let ours_time = ours["timestamp"].take();
        let standard_time = standard["timestamp"].take();
        assert_eq!(ours, standard);
        // Both are RFC 3339 instants in UTC of the same shape.
        let (ours_time, standard_time) =
            (ours_time.as_str().unwrap(), standard_time.as_str().unwrap());
        assert_eq!(
            ours_time.len(),
            standard_time.len(),
            "{ours_time} {standard_time}"
        );
        assert!(ours_time.ends_with('Z'), "{ours_time}");
    }

    #[test]
    fn escaping_writes_what_serde_json_reads_back() {
        let text = "quote \" backslash \\ tab \t nul \u{0} bell \u{7} del \u{7f} snow ☃";
        let mut out = String::new();
        write_json_string(&mut out, text).unwrap();
        assert_eq!(serde_json::from_str::<String>(&out).unwrap(), text);
    }
}
