//! Parsed queries kept by their text, as databases keep prepared statements: dashboards and
//! pages send the same texts again and again, and parsing (with the guard before it) was
//! about a tenth of a small query's CPU. Parsing is a pure function of the text, the base
//! IRI and whether `SERVICE` is allowed, so a kept parse is never stale; the cache is shared
//! by the whole process, bounded in entries and in the length of the texts it keeps.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// Most parsed queries kept; when full, the cache starts again empty.
const MAX_ENTRIES: usize = 256;

/// Longest query text kept (longer ones are parsed every time).
const MAX_TEXT_BYTES: usize = 16 << 10;

/// What a parse depends on.
#[derive(PartialEq, Eq, Hash)]
struct Key {
    text: String,
    base_iri: Option<String>,
    allow_service: bool,
}

static PARSED: LazyLock<Mutex<HashMap<Key, Arc<spargebra::Query>>>> = LazyLock::new(Mutex::default);

/// The parse of `text`, from the cache or from `parse` (kept when it succeeds).
pub(super) fn parsed<E>(
    text: &str,
    base_iri: Option<&str>,
    allow_service: bool,
    parse: impl FnOnce() -> Result<spargebra::Query, E>,
) -> Result<spargebra::Query, E> {
    if text.len() > MAX_TEXT_BYTES {
        return parse();
    }
    let key = Key {
        text: text.to_owned(),
        base_iri: base_iri.map(str::to_owned),
        allow_service,
    };
    let lock = || PARSED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(query) = lock().get(&key) {
        return Ok(query.as_ref().clone());
    }
    let query = parse()?;
    let mut cache = lock();
    if cache.len() >= MAX_ENTRIES {
        cache.clear();
    }
    cache.insert(key, Arc::new(query.clone()));
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_parsed_once_per_base_and_failures_are_not_kept() {
        let text = "ASK { <urn:parse-cache:a> ?p ?o }";
        let mut parses = 0;
        let mut parse = |base: Option<&str>| {
            parsed(text, base, false, || {
                parses += 1;
                spargebra::SparqlParser::new().parse_query(text)
            })
            .unwrap()
        };
        let first = parse(None);
        assert_eq!(parse(None), first);
        parse(Some("http://example.com/"));
        assert_eq!(parses, 2, "once without a base, once with one");
        let bad = "ASK { <urn:parse-cache:b> ";
        for _ in 0..2 {
            assert!(
                parsed(bad, None, false, || spargebra::SparqlParser::new()
                    .parse_query(bad))
                .is_err()
            );
        }
    }
}
