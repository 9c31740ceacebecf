//! Display names, in one place: which of an entity's names a listing sorts and shows by, and
//! how names appear in JSON (one per language, `@none` for a name without one).

use ponte_store::{Literal, NamedNode, PonteStore, StoreError, Term};
use serde_json::{Map, Value, json};

/// The language a name is shown in first, when the entity has a name in it.
pub const PREFERRED_LANGUAGE: &str = "en";

/// The name to show or sort by: the one in the preferred language, else the first.
pub fn display_name(names: &[Literal]) -> Option<&Literal> {
    names
        .iter()
        .find(|l| l.language() == Some(PREFERRED_LANGUAGE))
        .or_else(|| names.first())
}

/// Names as a JSON language map (`{"en": "…", "it": "…", "@none": "…"}`), one per language.
pub fn language_map(names: &[Literal]) -> Value {
    let mut by_language = Map::new();
    for name in names {
        by_language
            .entry(name.language().unwrap_or("@none").to_owned())
            .or_insert_with(|| json!(name.value()));
    }
    Value::Object(by_language)
}

/// The names of the entity `iri` as a language map; null when it has none.
pub fn names_of(store: &PonteStore, iri: &str) -> Result<Value, StoreError> {
    let iri = NamedNode::new_unchecked(iri);
    Ok(match store.labels(Term::from(iri).as_ref())? {
        Some((_, names)) => language_map(&names),
        None => Value::Null,
    })
}
