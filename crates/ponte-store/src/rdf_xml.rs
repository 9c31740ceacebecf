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
            // Entities that refer to other entities expand exponentially ("billion laughs");
            // one level of plain entities (`<!ENTITY xsd "http://…">`, as ontology editors
            // write) stays within a small multiple of the body.
            Ok(Event::DocType(doctype)) if entity_refers_to_entity(&doctype) => {
                let offset = usize::try_from(reader.buffer_position()).unwrap_or(body.len());
                let (line, column) = line_and_column(body, offset);
                return Err(StoreError::RdfSyntax {
                    message: "the document type declares an entity that refers to another entity; nested entities are not accepted".into(),
                    line: Some(line),
                    column: Some(column),
                });
            }
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// Whether a document type declaration (its text between `<!DOCTYPE` and `>`) declares an
/// entity whose value holds an entity reference (`&name;`; character references `&#…;` are
/// plain characters). Parameter entities (`%name;`) are refused the same way.
fn entity_refers_to_entity(doctype: &[u8]) -> bool {
    let text = String::from_utf8_lossy(doctype);
    // Each declaration runs to the next one: a `>` inside a quoted value does not end it.
    text.split("<!ENTITY").skip(1).any(|declaration| {
        declaration.trim_start().starts_with('%')
            || reference_after(declaration, '&')
            || reference_after(declaration, '%')
    })
}

/// Whether `text` holds a reference `{sigil}name;` (a name: a letter or `_`, then name
/// characters).
fn reference_after(text: &str, sigil: char) -> bool {
    text.match_indices(sigil).any(|(at, _)| {
        let rest = &text[at + 1..];
        let name_end = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
            .unwrap_or(rest.len());
        rest.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && rest[name_end..].starts_with(';')
    })
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
pub(crate) fn line_and_column(body: &[u8], offset: usize) -> (u64, u64) {
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

    #[test]
    fn nested_entities_are_refused_and_plain_ones_pass() {
        let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="urn:x"><rdf:value>&lol2;</rdf:value></rdf:Description>
</rdf:RDF>"#;
        assert!(
            matches!(check_depth(laughs.as_bytes()), Err(StoreError::RdfSyntax { message, .. }) if message.contains("entity")),
        );
        let parameter = r#"<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY % p "<!ENTITY x 'y'>"> %p; ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>"#;
        assert!(check_depth(parameter.as_bytes()).is_err());
        let plain = r#"<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY xsd "http://www.w3.org/2001/XMLSchema#" >
  <!ENTITY odd "a &#38; b, 100% <sure>" >
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="urn:x"><rdf:value rdf:datatype="&xsd;integer">1</rdf:value></rdf:Description>
</rdf:RDF>"#;
        check_depth(plain.as_bytes()).unwrap();
    }
}
