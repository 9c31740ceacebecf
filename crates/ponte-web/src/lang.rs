//! The reader's language: Italian or English, chosen from `?lang=`, then the `lang` cookie,
//! then `Accept-Language`; and every word a page shows, in both.

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Italian, the language of the region.
    It,
    /// English, for partners abroad.
    En,
}

impl Lang {
    /// Its BCP 47 tag (`<html lang>`, the language of names shown first).
    pub fn code(self) -> &'static str {
        match self {
            Self::It => "it",
            Self::En => "en",
        }
    }

    /// The other language, for the switch on every page.
    pub fn other(self) -> Self {
        match self {
            Self::It => Self::En,
            Self::En => Self::It,
        }
    }

    /// The language a tag names (`it`, `it-IT`, `EN`), if it is one of the pages' languages.
    pub fn named(tag: &str) -> Option<Self> {
        let tag = tag.trim().to_ascii_lowercase();
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        match primary {
            "it" => Some(Self::It),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The language `?lang=` names, else the cookie's, else the best of `Accept-Language`
    /// (q-values honoured), else English.
    pub fn choose(query: Option<&str>, cookie: Option<&str>, accept: Option<&str>) -> Self {
        let named = Self::named;
        if let Some(lang) = query.and_then(named).or_else(|| cookie.and_then(named)) {
            return lang;
        }
        let mut best: Option<(f32, Self)> = None;
        for range in accept.unwrap_or_default().split(',') {
            let mut parts = range.split(';');
            let Some(lang) = parts.next().and_then(named) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Self::En, |(_, lang)| lang)
    }

    /// Every word the pages show, in this language.
    pub(crate) fn words(self) -> &'static Words {
        match self {
            Self::It => &IT,
            Self::En => &EN,
        }
    }
}

/// The words of the pages, one field each, so a page cannot name a word one language lacks.
#[derive(Debug)]
pub(crate) struct Words {
    pub(crate) switch_to: &'static str,
    pub(crate) skip_to_content: &'static str,
    pub(crate) tagline: &'static str,
    pub(crate) search: &'static str,
    pub(crate) search_placeholder: &'static str,
    pub(crate) browse: &'static str,
    pub(crate) missions: &'static str,
    pub(crate) sources: &'static str,
    pub(crate) triples: &'static str,
    pub(crate) showing: &'static str,
    pub(crate) of: &'static str,
    pub(crate) next_page: &'static str,
    pub(crate) nothing_found: &'static str,
    pub(crate) filter: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) country: &'static str,
    pub(crate) topic: &'static str,
    pub(crate) apply: &'static str,
    pub(crate) facts: &'static str,
    pub(crate) property: &'static str,
    pub(crate) value: &'static str,
    pub(crate) source: &'static str,
    pub(crate) linked_from: &'static str,
    pub(crate) same_as: &'static str,
    pub(crate) as_data: &'static str,
    pub(crate) suggested_partners: &'static str,
    pub(crate) all_suggestions: &'static str,
    pub(crate) partners_for: &'static str,
    pub(crate) score: &'static str,
    pub(crate) why: &'static str,
    pub(crate) sparql: &'static str,
    pub(crate) api: &'static str,
    pub(crate) error: &'static str,
    pub(crate) loaded: &'static str,
    pub(crate) loaded_at: &'static str,
    pub(crate) triples_held: &'static str,
    pub(crate) download_graph: &'static str,
    pub(crate) derived_from: &'static str,
    pub(crate) about_graph: &'static str,
    pub(crate) back_home: &'static str,
    pub(crate) collections: [(&'static str, &'static str); 8],
    pub(crate) parts: [&'static str; 7],
}

impl Words {
    /// The name of a collection (`actors` → "Attori").
    pub(crate) fn collection(&self, name: &str) -> &'static str {
        self.collections
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, label)| label)
    }
}

const IT: Words = Words {
    switch_to: "English",
    skip_to_content: "Vai al contenuto",
    tagline: "Chi fa parte dell'ecosistema, chi ha incontrato chi, in quale missione, su quali temi, e con chi collaborare ora.",
    search: "Cerca",
    search_placeholder: "Nome, tema, città…",
    browse: "Esplora",
    missions: "Missioni",
    sources: "Fonti dei dati",
    triples: "fatti",
    showing: "Risultati",
    of: "di",
    next_page: "Pagina successiva",
    nothing_found: "Nessun risultato.",
    filter: "Filtra",
    kind: "Tipo",
    country: "Paese (ISO, es. IT, US)",
    topic: "Tema",
    apply: "Applica",
    facts: "Fatti",
    property: "Proprietà",
    value: "Valore",
    source: "Fonte",
    linked_from: "Collegamenti in entrata",
    same_as: "Lo stesso altrove",
    as_data: "Come dati",
    suggested_partners: "Partner suggeriti",
    all_suggestions: "Tutti i suggerimenti, con le prove",
    partners_for: "Partner suggeriti per",
    score: "Punteggio",
    why: "Perché?",
    sparql: "Console SPARQL",
    api: "API JSON-LD",
    error: "Questa pagina non si può mostrare",
    loaded: "Caricamento",
    loaded_at: "Caricato il",
    triples_held: "Fatti contenuti",
    download_graph: "Scarica il grafo (Turtle)",
    derived_from: "Tratto da",
    about_graph: "Il grafo",
    back_home: "Torna all'inizio",
    collections: [
        ("actors", "Attori"),
        ("missions", "Missioni"),
        ("programmes", "Programmi"),
        ("calls", "Bandi"),
        ("events", "Eventi"),
        ("projects", "Progetti"),
        ("topics", "Temi"),
        ("places", "Luoghi"),
    ],
    parts: [
        "Temi in comune",
        "Progetti in comune",
        "Missioni ed eventi in comune",
        "Attori in comune",
        "Vicini rari in comune (Adamic-Adar)",
        "Vicinanza nel grafo (PageRank)",
        "Tipo cercato",
    ],
};

const EN: Words = Words {
    switch_to: "Italiano",
    skip_to_content: "Skip to content",
    tagline: "Who is in the ecosystem, who met whom, on which mission, around which topics, and who should partner next.",
    search: "Search",
    search_placeholder: "Name, topic, city…",
    browse: "Browse",
    missions: "Missions",
    sources: "Where the data comes from",
    triples: "facts",
    showing: "Showing",
    of: "of",
    next_page: "Next page",
    nothing_found: "Nothing found.",
    filter: "Filter",
    kind: "Kind",
    country: "Country (ISO, e.g. IT, US)",
    topic: "Topic",
    apply: "Apply",
    facts: "Facts",
    property: "Property",
    value: "Value",
    source: "Source",
    linked_from: "Incoming links",
    same_as: "The same elsewhere",
    as_data: "As data",
    suggested_partners: "Suggested partners",
    all_suggestions: "All suggestions, with evidence",
    partners_for: "Suggested partners for",
    score: "Score",
    why: "Why?",
    sparql: "SPARQL console",
    api: "JSON-LD API",
    error: "This page cannot be shown",
    loaded: "Loading",
    loaded_at: "Loaded at",
    triples_held: "Facts held",
    download_graph: "Download the graph (Turtle)",
    derived_from: "Derived from",
    about_graph: "The graph",
    back_home: "Back to the home page",
    collections: [
        ("actors", "Actors"),
        ("missions", "Missions"),
        ("programmes", "Programmes"),
        ("calls", "Calls"),
        ("events", "Events"),
        ("projects", "Projects"),
        ("topics", "Topics"),
        ("places", "Places"),
    ],
    parts: [
        "Shared topics",
        "Shared projects",
        "Shared missions and events",
        "Shared actors",
        "Rare shared neighbours (Adamic-Adar)",
        "Closeness in the graph (PageRank)",
        "Kind wanted",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins_then_the_cookie_then_the_best_accepted_language() {
        assert_eq!(Lang::choose(Some("it"), Some("en"), Some("en")), Lang::It);
        assert_eq!(Lang::choose(None, Some("it"), Some("en")), Lang::It);
        assert_eq!(
            Lang::choose(Some("xx"), None, Some("it-IT,it;q=0.9")),
            Lang::It
        );
        assert_eq!(
            Lang::choose(None, None, Some("de, en;q=0.5, it;q=0.8")),
            Lang::It
        );
        assert_eq!(Lang::choose(None, None, Some("it;q=0, en;q=0.1")), Lang::En);
        assert_eq!(Lang::choose(None, None, None), Lang::En);
    }
}
