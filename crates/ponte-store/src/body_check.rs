//! Bounds on an RDF body checked before any parser reads it. oxigraph's parsers recurse on
//! nested structures (RDF 1.2 triple terms in Turtle, TriG and N-Triples; collections and
//! blank-node lists), so a body of a few hundred kilobytes nested thousands of levels deep
//! overflows the stack and aborts the whole process; an RDF/XML document type can declare
//! entities that expand into each other ("billion laughs"), gigabytes from one kilobyte. Every
//! write path (Graph Store, REST import) calls [`check_body`] first, and `ponte load` calls
//! [`check_file`] on each file.

use crate::StoreError;
use crate::rdf_xml::line_and_column;
use oxigraph::io::RdfFormat;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// The deepest nesting of brackets (`[`, `(`, `{`) and triple terms (`<<`) accepted in a
/// Turtle, TriG, N-Triples, N-Quads or N3 body; real data stays far below.
pub const MAX_RDF_NESTING: usize = 128;

/// Refuses, naming where, a body nested deeper than its format allows (RDF/XML elements
/// deeper than [`crate::rdf_xml::MAX_RDF_XML_DEPTH`], text formats deeper than
/// [`MAX_RDF_NESTING`]) and an RDF/XML document type whose entities refer to other entities.
/// Other syntax errors pass: the parser reports them with a better message.
pub fn check_body(format: RdfFormat, body: &[u8]) -> Result<(), StoreError> {
    match format {
        RdfFormat::RdfXml => crate::rdf_xml::check_depth(body),
        RdfFormat::Turtle
        | RdfFormat::TriG
        | RdfFormat::NTriples
        | RdfFormat::NQuads
        | RdfFormat::N3 => check_text_nesting(body),
        // serde_json refuses JSON nested deeper than 128 before the JSON-LD processor runs.
        _ => Ok(()),
    }
}

/// Checks the file at `path` as [`check_body`] checks a body (`ponte load` reads an operator's
/// files, which may be bad too: a deep file would abort the loader as it would the server).
/// Text formats are read a line at a time in pieces of about a MiB, so a file of any size is
/// checked in bounded memory; an RDF/XML file is read whole, as its parser would hold it.
pub fn check_file(format: RdfFormat, path: &Path) -> Result<(), StoreError> {
    let io_error = |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    };
    match format {
        RdfFormat::RdfXml => crate::rdf_xml::check_depth(&std::fs::read(path).map_err(io_error)?),
        RdfFormat::Turtle
        | RdfFormat::TriG
        | RdfFormat::NTriples
        | RdfFormat::NQuads
        | RdfFormat::N3 => check_text_nesting_of(
            BufReader::with_capacity(PIECE_BYTES, File::open(path).map_err(io_error)?),
            PIECE_BYTES,
        )
        .map_err(|error| match error {
            TextError::Io(source) => io_error(source),
            TextError::Nesting(error) => error,
        }),
        _ => Ok(()),
    }
}

/// About how much of a text file is scanned at once.
const PIECE_BYTES: usize = 1 << 20;

/// Why a text file failed its check.
enum TextError {
    Io(std::io::Error),
    Nesting(StoreError),
}

/// Scans `reader` in pieces of whole lines, each at least `piece_bytes` long (but the last).
fn check_text_nesting_of(mut reader: impl BufRead, piece_bytes: usize) -> Result<(), TextError> {
    let mut nesting = TextNesting::default();
    let mut piece = Vec::new();
    loop {
        let read = reader
            .read_until(b'\n', &mut piece)
            .map_err(TextError::Io)?;
        if read == 0 || piece.len() >= piece_bytes {
            nesting.scan(&piece).map_err(TextError::Nesting)?;
            piece.clear();
        }
        if read == 0 {
            return Ok(());
        }
    }
}

/// The nesting bound of the text formats: scans the body once, skipping IRIs, strings,
/// comments and escapes, and counts what opens and closes.
fn check_text_nesting(body: &[u8]) -> Result<(), StoreError> {
    TextNesting::default().scan(body)
}

/// What a scan of a text body carries from one piece to the next. Pieces end at line ends,
/// where comments, IRIs and short strings have ended; only a long string (`"""…"""`) and the
/// depth go on.
#[derive(Default)]
struct TextNesting {
    depth: usize,
    /// The quote of a long string the last piece ended inside.
    open_long_string: Option<u8>,
    /// Lines in the pieces before, for the error's line number.
    lines_before: u64,
}

impl TextNesting {
    /// Scans `piece`, the next part of the body, which ends at a line end or the body's end.
    fn scan(&mut self, body: &[u8]) -> Result<(), StoreError> {
        let mut depth = self.depth;
        let mut i = 0;
        if let Some(quote) = self.open_long_string.take() {
            match long_string_end(body, 0, quote) {
                Some(end) => i = end,
                None => {
                    self.open_long_string = Some(quote);
                    self.lines_before += newlines(body);
                    return Ok(());
                }
            }
        }
        while i < body.len() {
            match body[i] {
                b'#' => {
                    while i < body.len() && !matches!(body[i], b'\n' | b'\r') {
                        i += 1;
                    }
                    continue;
                }
                b'"' | b'\'' => {
                    let quote = body[i];
                    let long = body.get(i + 1) == Some(&quote) && body.get(i + 2) == Some(&quote);
                    if long {
                        match long_string_end(body, i + 3, quote) {
                            Some(end) => i = end,
                            None => {
                                self.open_long_string = Some(quote);
                                i = body.len();
                            }
                        }
                    } else {
                        i = short_string_end(body, i + 1, quote);
                    }
                    continue;
                }
                // An escape in a prefixed name (`ex:a\(`): the next byte is plain text.
                b'\\' => {
                    i += 2;
                    continue;
                }
                b'<' if body.get(i + 1) == Some(&b'<') => {
                    depth += 1;
                    i += 2;
                }
                b'<' => {
                    // An IRI: it holds no `<`, `>` or space, so it ends at the next of those.
                    i += 1;
                    while i < body.len() && !matches!(body[i], b'>' | b'<' | b' ' | b'\n') {
                        i += 1;
                    }
                    if body.get(i) == Some(&b'>') {
                        i += 1;
                    }
                    continue;
                }
                b'>' if body.get(i + 1) == Some(&b'>') => {
                    depth = depth.saturating_sub(1);
                    i += 2;
                    continue;
                }
                b'[' | b'(' | b'{' => {
                    depth += 1;
                    i += 1;
                }
                b']' | b')' | b'}' => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                    continue;
                }
                _ => {
                    i += 1;
                    continue;
                }
            }
            if depth > MAX_RDF_NESTING {
                let (line, column) = line_and_column(body, i - 1);
                return Err(StoreError::RdfSyntax {
                    message: format!(
                        "brackets or triple terms nest deeper than the {MAX_RDF_NESTING} levels this server accepts"
                    ),
                    line: Some(self.lines_before + line),
                    column: Some(column),
                });
            }
        }
        self.depth = depth;
        self.lines_before += newlines(body);
        Ok(())
    }
}

/// How many lines end in `body`.
fn newlines(body: &[u8]) -> u64 {
    body.iter().filter(|byte| **byte == b'\n').count() as u64
}

/// The index after the short string whose content starts at `from` (`"…"` or `'…'`, with
/// backslash escapes); it ends at its line too, so that a missing quote hides nothing after.
fn short_string_end(body: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            byte if byte == quote => return i + 1,
            b'\n' | b'\r' => return i,
            _ => i += 1,
        }
    }
    body.len()
}

/// The index after the long string (`"""…"""` or `'''…'''`) whose content starts at `from`, or
/// `None` when `body` ends inside it.
fn long_string_end(body: &[u8], from: usize, quote: u8) -> Option<usize> {
    let mut i = from;
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            byte if byte == quote
                && body.get(i + 1) == Some(&quote)
                && body.get(i + 2) == Some(&quote) =>
            {
                return Some(i + 3);
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(open: &str, inner: &str, close: &str, depth: usize) -> Vec<u8> {
        format!("{}{inner}{}", open.repeat(depth), close.repeat(depth)).into_bytes()
    }

    #[test]
    fn a_body_read_in_pieces_is_checked_as_a_whole() {
        let check = |body: &str, piece_bytes| {
            check_text_nesting_of(body.as_bytes(), piece_bytes).map_err(|error| match error {
                TextError::Nesting(StoreError::RdfSyntax { line, .. }) => line,
                _ => panic!("not a nesting error"),
            })
        };
        // Depth carries from piece to piece: one bracket a line.
        let deep = "[\n".repeat(200);
        for piece_bytes in [1, 16, 1 << 20] {
            assert_eq!(check(&deep, piece_bytes), Err(Some(129)), "{piece_bytes}");
        }
        // Brackets inside a long string spanning pieces are text, and the string's end is
        // found in a later piece.
        let quoted = format!("<urn:s> <urn:p> '''{}''' .\n[ ] .\n", "[\n".repeat(200));
        for piece_bytes in [1, 16, 1 << 20] {
            assert_eq!(check(&quoted, piece_bytes), Ok(()), "{piece_bytes}");
        }
        let after = format!("{quoted}{deep}");
        assert_eq!(check(&after, 16), Err(Some(202 + 129)));
    }

    #[test]
    fn deep_triple_terms_and_lists_are_refused_with_their_line() {
        let deep_term = format!(
            "@prefix ex: <http://example.com/> .\nex:s ex:p {} .",
            String::from_utf8(nested("<< ex:a ex:b ", "ex:c", " >>", 10_000)).unwrap()
        );
        for (format, body) in [
            (RdfFormat::Turtle, deep_term.into_bytes()),
            (
                RdfFormat::Turtle,
                nested("<urn:s> <urn:p> (", "1", ")", 200),
            ),
            (
                RdfFormat::TriG,
                nested("<urn:s> <urn:p> [ <urn:q> ", "1", "]", 200),
            ),
            (
                RdfFormat::NTriples,
                nested(
                    "<urn:s> <urn:p> <<( <urn:a> <urn:b> ",
                    "<urn:c>",
                    " )>>",
                    500,
                ),
            ),
        ] {
            match check_body(format, &body) {
                Err(StoreError::RdfSyntax { message, line, .. }) => {
                    assert!(message.contains("128"), "{message}");
                    assert!(line.is_some());
                }
                other => panic!("{format}: {other:?}"),
            }
        }
    }

    #[test]
    fn ordinary_data_and_brackets_in_text_pass() {
        let body = br#"@prefix ex: <http://example.com/a#b> . # a comment with (((((( and <<
            ex:s ex:p "text with [[[[ and << and \" quote", '''long ((( ''' , """ also [[[ """ ;
                 ex:q ( 1 2 ( 3 [ ex:r << ex:a ex:b ex:c >> ] ) ) ;
                 ex:t ex:a\( .
            GRAPH <urn:g> { ex:s ex:p ex:o }"#;
        check_body(RdfFormat::TriG, body).unwrap();
        let flat: String = (0..10_000)
            .map(|i| format!("<urn:s{i}> <urn:p> ( {i} ) .\n"))
            .collect();
        check_body(RdfFormat::Turtle, flat.as_bytes()).unwrap();
        // Exactly at the bound is fine.
        check_body(
            RdfFormat::Turtle,
            &nested("<urn:s> <urn:p> (", "1", ")", MAX_RDF_NESTING),
        )
        .unwrap();
    }
}
