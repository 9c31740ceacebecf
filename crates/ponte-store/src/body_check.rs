//! Bounds on an RDF body checked before any parser reads it. oxigraph's parsers recurse on
//! nested structures (RDF 1.2 triple terms in Turtle, TriG and N-Triples; collections and
//! blank-node lists), so a body of a few hundred kilobytes nested thousands of levels deep
//! overflows the stack and aborts the whole process; an RDF/XML document type can declare
//! entities that expand into each other ("billion laughs"), gigabytes from one kilobyte. Every
//! write path (Graph Store, REST import, `ponte load`) calls [`check_body`] first.

use crate::StoreError;
use crate::rdf_xml::line_and_column;
use oxigraph::io::RdfFormat;

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

/// The nesting bound of the text formats: scans the body once, skipping IRIs, strings,
/// comments and escapes, and counts what opens and closes.
fn check_text_nesting(body: &[u8]) -> Result<(), StoreError> {
    let mut depth = 0_usize;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'#' => {
                while i < body.len() && !matches!(body[i], b'\n' | b'\r') {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' => {
                i = skip_string(body, i);
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
                line: Some(line),
                column: Some(column),
            });
        }
    }
    Ok(())
}

/// The index after the string literal starting at `start` (`"…"`, `'…'`, `"""…"""` or
/// `'''…'''`, with backslash escapes), or the end of the body when it is not closed.
fn skip_string(body: &[u8], start: usize) -> usize {
    let quote = body[start];
    let long = body.get(start + 1) == Some(&quote) && body.get(start + 2) == Some(&quote);
    let mut i = start + if long { 3 } else { 1 };
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            byte if byte == quote => {
                if !long {
                    return i + 1;
                }
                if body.get(i + 1) == Some(&quote) && body.get(i + 2) == Some(&quote) {
                    return i + 3;
                }
                i += 1;
            }
            // A short string ends at its line: a missing quote must not hide what follows.
            b'\n' | b'\r' if !long => return i,
            _ => i += 1,
        }
    }
    body.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(open: &str, inner: &str, close: &str, depth: usize) -> Vec<u8> {
        format!("{}{inner}{}", open.repeat(depth), close.repeat(depth)).into_bytes()
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
