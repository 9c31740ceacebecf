//! RDF/XML needs two things its parser does not give: a position for its syntax errors, and a
//! bound on element nesting (with RDF 1.2 on, the parser looks up the stack of open elements
//! for every element, so a deeply nested document costs time quadratic in its depth).

use crate::StoreError;

/// The deepest element nesting accepted in an RDF/XML document; real data stays far below.
pub const MAX_RDF_XML_DEPTH: usize = 256;

/// Refuses an RDF/XML document whose elements nest deeper than [`MAX_RDF_XML_DEPTH`], naming
/// where. Malformed XML passes: the RDF/XML parser reports it with a better message.
pub(crate) fn check_depth(body: &[u8]) -> Result<(), StoreError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    reader.config_mut().check_end_names = false;
    let mut depth = 0_usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > MAX_RDF_XML_DEPTH {
                    let offset = usize::try_from(reader.buffer_position()).unwrap_or(body.len());
                    let (line, column) = line_and_column(body, offset);
                    return Err(StoreError::RdfSyntax {
                        message: format!(
                            "RDF/XML elements nest deeper than the {MAX_RDF_XML_DEPTH} levels this server accepts"
                        ),
                        line: Some(line),
                        column: Some(column),
                    });
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// RDF/XML syntax errors carry no position: find it by parsing again one byte at a time and
/// noting how far the parser read when it failed. Only called on the error path.
pub(crate) fn locate_rdf_xml_error(body: &[u8]) -> Option<(u64, u64)> {
    struct OneByteAtATime<'a> {
        data: &'a [u8],
        read: usize,
    }
    impl std::io::Read for OneByteAtATime<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.data.get(self.read), buf.first_mut()) {
                (Some(byte), Some(slot)) => {
                    *slot = *byte;
                    self.read += 1;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }
    let mut reader = OneByteAtATime {
        data: body,
        read: 0,
    };
    let parser = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::RdfXml);
    let mut quads = parser.for_reader(&mut reader);
    let failed = quads.any(|quad| quad.is_err());
    drop(quads);
    if !failed {
        return None;
    }
    Some(line_and_column(body, reader.read))
}

/// The 1-based line and column (in characters) of byte `offset` of `body`.
fn line_and_column(body: &[u8], offset: usize) -> (u64, u64) {
    let consumed = &body[..offset.min(body.len())];
    let line = consumed.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = consumed
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&consumed[line_start..])
        .chars()
        .count()
        .max(1);
    (line as u64, column as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> String {
        format!(
            "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:e=\"urn:e#\">{}{}</rdf:RDF>",
            "<rdf:Description><e:p>".repeat(depth),
            "</e:p></rdf:Description>".repeat(depth)
        )
    }

    #[test]
    fn shallow_documents_pass_and_deep_ones_are_refused_with_a_position() {
        assert!(check_depth(nested(100).as_bytes()).is_ok());
        match check_depth(nested(100_000).as_bytes()) {
            Err(StoreError::RdfSyntax { line, column, .. }) => {
                assert_eq!(line, Some(2));
                assert!(column.is_some_and(|c| c > 1000), "{column:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}
